; Mettler Toledo IND570 weighing terminal, Modbus TCP (EtherNet/IP-Modbus TCP
; option board).
;
; Source: the IND570 register map of the Starkest connector library
; (star.ke.st/library/mettler-toledo-ind570-weighing-terminal-needs-modbus-
; tcp-option-board, "interop-verified" map, addresses 0-based as sent):
; 0 default rounded gross F32BE, 2 rounded gross F32BE, 8 gross F32BE,
; 990 byte-order swap mode, 1004 scale status U16.  Mettler Toledo's own
; "IND570 PLC Interface Manual" was not available when this file was
; written: check every address below against it before use.
;
; Assumed, because the public material does not say:
; - the terminal shows kilograms (set the terminal's primary unit to kg);
; - floats are ABCD (F32BE) with the byte-order register 990 at its
;   default; a terminal set to word swap needs word_order = CDAB below;
; - the meaning of the bits of the status word 1004 is not published
;   there, so no condition (motion, over capacity) is read from it: this
;   profile reads the live gross weight only;
; - the IND570 publishes no result sequence: it is a live-weight
;   indicator, usable on a lane once live-weight capture exists.
[device]
name = mettler-toledo-ind570
kind = scale
numbering = 0
word_order = ABCD

[field gross]
address = 2		; rounded gross weight, F32
type = f32
min = 0
max = 300000
