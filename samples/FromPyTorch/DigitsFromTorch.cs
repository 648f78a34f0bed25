using NetGen;

namespace NetGen.Samples.FromPyTorch;

/// <summary>
/// The PyTorch digits classifier of train.py (a 1×28×28 image, normalized, flattened, 784 → 128 ReLU → 10 softmax),
/// compiled from digits.onnx at build time: layers and weights come from the model, nothing is read at run time.
/// </summary>
[Network(Onnx = "digits.onnx")]
public partial class DigitsFromTorch;
