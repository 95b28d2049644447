; An example layout of a toll-lane weigh-in-motion controller that
; publishes one record per completed vehicle and keeps a queue of them.
;
; NOT taken from any manufacturer's manual: no public register map of a
; WIM controller's vehicle queue was found when this file was written.
; It follows the description of such controllers in docs/devices.md (a
; queue of completed vehicles: read the first, then "delete first" to
; acknowledge it; axle weights in units of 10 kg).  Before a lane uses
; it, every address and unit here must be checked against the
; controller's own manual, and the file renamed after that controller.
;
; Layout (holding registers, 0-based):
;   0  status: b0 record available (valid), b1 controller fault,
;      b2 abnormal driving
;   1  vehicle sequence, u16, +1 per vehicle
;   2  gross weight, u32 ABCD, 10 kg
;   4  axle count
;   5  speed, 0.1 km/h
;   6  axle weights, 12 x u16, 10 kg
;   18 plate, 8 registers GB18030, high byte first, NUL padded
;   26 plate colour, the codes of docs/design.md §4.1
;   100 command: write 1 = delete the first record (acknowledge)
[device]
name = wim-example
kind = scale
numbering = 0
max_registers = 64

[field valid]
address = 0
type = bit
bit = 0

[field fault]
address = 0
type = bit
bit = 1

[field abnormal]
address = 0
type = bit
bit = 2

[field seq]
address = 1
type = u16

[field gross]
address = 2
type = u32
scale = 10
min = 0
max = 300000

[field axles]
address = 4

[field speed]
address = 5

[field axle_kg]
address = 6
count = 12
scale = 10

[field plate]
address = 18
type = text
registers = 8
encoding = GB18030

[field plate_color]
address = 26

[write delete_first]
when = result
address = 100
value = 1
