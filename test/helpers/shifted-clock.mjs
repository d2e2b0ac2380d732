// Loaded with `node --import` (NODE_OPTIONS) into a child `hedge` process: its
// wall clock runs HEDGE_TEST_CLOCK_SHIFT_MS behind or ahead, as on a machine
// whose clock is set so (libfaketime's offset mode). It still advances: only
// Date is shifted, timers and performance.now() are untouched. Tests use it to
// have a real gateway write records that are days old, for retention.
const shift = Number(process.env.HEDGE_TEST_CLOCK_SHIFT_MS);
if (!Number.isFinite(shift)) throw new Error('HEDGE_TEST_CLOCK_SHIFT_MS: a number of milliseconds');
const RealDate = Date;
class ShiftedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + shift);
    else super(...args);
  }
  static now() {
    return RealDate.now() + shift;
  }
}
globalThis.Date = ShiftedDate;
