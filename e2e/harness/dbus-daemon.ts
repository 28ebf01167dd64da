/** The private dbus-daemon of the tests is the one the simulator and the demo use. */
export { type PrivateBus, startPrivateBus } from '../../src/mmsim/private-bus.js';
