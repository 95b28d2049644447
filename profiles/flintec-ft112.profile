; Flintec FT-111 / FT-112(D) panel weighing indicator, Modbus RTU and TCP.
;
; Source: FT-112(D) Panel Weighing Indicator, Technical Manual, Rev.1.0.0,
; May 2019, section 13.2.1 "Modbus Data Structure", page 120: 40005 gross
; weight (2 words), 40007 status (2 words: B1 weight is dynamic result,
; B2 unstable, B27-B31 decimal point X.XXXX, X.XXX, X.XX, X.X, none),
; 40009 error status (B0-B6: low voltage, programming mode, system error,
; ADC under/over/out of range, tilt), 40011 heartbeat (increased every
; 100 ms), 40015 CN, the consecutive label number (parameter [254]).
;
; Assumed, because the manual does not say:
; - 32-bit values are high word first (ABCD) and the weights are signed
;   integers in display digits;
; - the indicator shows kilograms; the decimal point comes from the
;   status bits B27-B31;
; - the label number CN counts completed dynamic weighings: it is the
;   result sequence (32 bits), and B1 marks the result as valid.
[device]
name = flintec-ft112
kind = scale
numbering = 1
word_order = ABCD
group_gap = 2		; one request for 40005-40016

[field gross]
address = 5		; 40005
type = s32
decimals = device
min = 0
max = 300000

[field valid]
address = 7		; 40007 B1: weight is dynamic result
type = u32
mask = 0x2

[field unstable]
address = 7		; 40007 B2: weight is unstable
type = u32
mask = 0x4

[field decimals]
address = 7		; 40007 B27-B31, one bit per decimal point
type = bits
bits = 27-31
registers = 2
map = 16:0, 8:1, 4:2, 2:3, 1:4

[field fault]
address = 9		; 40009 error status B0-B6
type = u32
mask = 0x7f

[field heartbeat]
address = 11		; 40011
type = u32

[field seq]
address = 15		; 40015 CN label number
type = u32
