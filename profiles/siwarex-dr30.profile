; Siemens SIWAREX data record DR 30 "process state" over Modbus: SIWAREX
; WP251 (and the same DR 30 variables of the SIWAREX WP321, which reaches
; Modbus only through a SIMATIC CPU or gateway that maps DR 30 the same way).
;
; Source: SIWAREX WP251 Manual, 12/2015, A5E37203357A, section 8.27 "DR 30
; Process state", table 8-27, pages 136-138: register 3000 data record
; number (30), 3004 status bits (B16_1 out of weighing range, B16_6
; standstill 1), 3008 gross weight FLOAT, 3010 net, 3012 tare.  SIWAREX
; WP321 Operating Instructions, 07/2014, A5E33715669A-02, section 8.13
; "DR 30 current process values", page 75, lists the same gross process
; weight (FLOAT) and standstill bits.
;
; Assumed, because the tables do not say:
; - the "Modbus registers" column is the protocol address (0-based);
; - B16_n is bit n of the register (value 1 << n);
; - FLOAT is IEEE 754 high word first (ABCD), as SIMATIC stores it;
; - the scale is calibrated in kilograms;
; - the refresh counter's register is not given for the WP251, so there
;   is no heartbeat; DR 30 has no result sequence: a live-weight scale.
[device]
name = siwarex-dr30
kind = scale
numbering = 0
group_gap = 3		; read 3004-3009 in one request

[field valid]
address = 3004
type = bit
bit = 1			; B16_1 out of weighing range
invert = yes

[field unstable]
address = 3004
type = bit
bit = 6			; B16_6 standstill 1
invert = yes

[field gross]
address = 3008
type = f32
word_order = ABCD
min = 0
max = 300000
