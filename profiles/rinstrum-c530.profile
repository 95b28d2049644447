; Rinstrum C530 (C500 series) digital indicator, Modbus input registers.
;
; Source: C500 Series Digital Indicator Reference Manual, C500-600-2.0.3:
; section 19.3 "Modbus Input Registers", page 101 (read with function
; 0x04: register 1 INPUT WEIGHT GROSS SINT32, 3 NET, 5 DISPLAYED,
; 7 INPUT WEIGHT STATUS UINT32, 9 INPUT ERROR UINT32), and section 21.3.35
; "MSM?: Current Weight for Modbus", page 145 (status bits: 1 underload,
; 2 overload, 4 motion, 8 gross, 64 centre of zero; "the decimal point is
; not included as the Modbus registers are integer only"); MBS (page 145)
; switches to little endian, so big endian is the default.
;
; Assumed, because the manual does not say:
; - the register numbers of section 19.3 count from 1 (register 1 is
;   protocol address 0);
; - the indicator shows kilograms without decimals (decimals = 0 below;
;   with a decimal point set on the indicator, set decimals to match);
; - any bit of INPUT ERROR is a fault of the scale;
; - the C530 publishes no result sequence: a live-weight indicator.
[device]
name = rinstrum-c530
kind = scale
numbering = 1
group_gap = 4		; one request for input registers 1-10

[field gross]
table = input
address = 1
type = s32
word_order = ABCD
decimals = 0
min = 0
max = 300000

[field valid]
table = input
address = 7
type = u32
mask = 0x3		; underload, overload
equals = 0

[field unstable]
table = input
address = 7
type = u32
mask = 0x4		; motion

[field fault]
table = input
address = 9
type = u32
mask = 0xffffffff
