/**
 * The tfjs wasm backend (4.22) has Conv2D and Conv2DBackpropInput but no Conv2DBackpropFilter kernel, so a
 * CNN cannot be trained on it as shipped. This registers that kernel for the wasm backend, composed from the
 * backend's own Transpose, PadV2 and Conv2D kernels: for stride 1 and dilation 1 (NHWC),
 *   dW[kh, kw, ci, co] = Σ_{b, y, x} X[b, y + kh, x + kw, ci] · dY[b, y, x, co],
 * which is a valid convolution of Xᵀ (ci as the batch, b as the channel: ci×H×W×B) with dYᵀ as the filter
 * (OH×OW×B×Co), giving ci×KH×KW×Co, transposed to KH×KW×Ci×Co. "same" padding pads X first with tfjs's split
 * (the smaller half before). Other strides or dilations throw. Used only to train the models of the
 * experiments (tfjs stays a dev dependency).
 */
import type * as TF from "@tensorflow/tfjs";

type Info = { dataId: object; shape: number[]; dtype: string };
type KernelFn = (args: { inputs: Record<string, Info>; backend: { disposeData(id: object): void }; attrs: Record<string, unknown> }) => Info;

export function registerWasmConv2dBackpropFilter(tf: typeof TF): void {
  if (tf.getKernel("Conv2DBackpropFilter", "wasm")) return;
  const kernel = (name: string) => {
    const k = tf.getKernel(name, "wasm");
    if (!k) throw new Error(`tfjs wasm backend has no ${name} kernel`);
    return k.kernelFunc as unknown as KernelFn;
  };
  const transpose = kernel("Transpose"), conv2d = kernel("Conv2D"), pad = kernel("PadV2");
  tf.registerKernel({
    kernelName: "Conv2DBackpropFilter",
    backendName: "wasm",
    kernelFunc: ((args: Parameters<KernelFn>[0]) => {
      const { inputs, backend, attrs } = args;
      const { x, dy } = inputs;
      const strides = attrs.strides as number | number[];
      const s = Array.isArray(strides) ? strides : [strides, strides];
      const dataFormat = (attrs.dataFormat as string) ?? "NHWC";
      const filterShape = attrs.filterShape as number[];
      if (s[0] !== 1 || s[1] !== 1 || (dataFormat !== "NHWC" && dataFormat !== "channelsLast"))
        throw new Error(`Conv2DBackpropFilter (wasm, foliate): only stride 1, NHWC; got strides ${s}, ${dataFormat}`);
      const temps: Info[] = [];
      let xin = x;
      if (attrs.pad === "same") {
        const [kh, kw] = filterShape;
        const ph = kh - 1, pw = kw - 1;
        xin = pad({ inputs: { x }, backend, attrs: { paddings: [[0, 0], [Math.floor(ph / 2), ph - Math.floor(ph / 2)], [Math.floor(pw / 2), pw - Math.floor(pw / 2)], [0, 0]], constantValue: 0 } });
        temps.push(xin);
      } else if (attrs.pad !== "valid") {
        throw new Error(`Conv2DBackpropFilter (wasm, foliate): padding must be "valid" or "same", got ${JSON.stringify(attrs.pad)}`);
      }
      const xt = transpose({ inputs: { x: xin }, backend, attrs: { perm: [3, 1, 2, 0] } }); // Ci×H×W×B
      const dyt = transpose({ inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } }); // OH×OW×B×Co
      const w = conv2d({ inputs: { x: xt, filter: dyt }, backend, attrs: { strides: [1, 1], pad: "valid", dataFormat: "NHWC", dilations: [1, 1], dimRoundingMode: undefined } }); // Ci×KH×KW×Co
      const out = transpose({ inputs: { x: w }, backend, attrs: { perm: [1, 2, 0, 3] } }); // KH×KW×Ci×Co
      for (const t of [...temps, xt, dyt, w]) backend.disposeData(t.dataId);
      return out;
    }) as never,
  });
}
