/**
 * Foliate's one import of `@tensorflow/tfjs` (training the experiments' models, autodiff references). tfjs's
 * CPU backend prints "Hi, looks like you are running TensorFlow.js in Node.js …" to the console at its first
 * tensor, which cut into the progress bars of `npm start` (also with `-q`) and filled the test log. Setting
 * tfjs's `PROD` flag here, before any tensor exists, silences it: in tfjs 4.x that flag only gates tfjs's own
 * console warnings (`backend_util.warn`/`log`), not any computation or check. Import `tf` from this module,
 * never from `@tensorflow/tfjs` directly.
 */
import * as tf from "@tensorflow/tfjs";

tf.env().set("PROD", true);

export { tf };
