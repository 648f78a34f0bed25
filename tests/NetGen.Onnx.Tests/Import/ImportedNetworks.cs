using NetGen;

namespace NetGen.Onnx.Tests.Import;

/// <summary>The generated twin of the corpus model relu_softmax_op9 (PyTorch's 20 → 16 ReLU → 4 Softmax).</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(20)]
[Dense(16, Activation.ReLU)]
[Dense(4, Activation.Softmax)]
public partial class TorchReluSoftmaxNet;

/// <summary>The generated twin of the corpus model image_flatten_normalize_op12 (1×8×8 image, 64 → 32 LeakyReLU(0.1) → 10 Softmax).</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(64)]
[Dense(32, Activation.LeakyReLU, LeakySlope = 0.1)]
[Dense(10, Activation.Softmax)]
public partial class TorchImageNet;

/// <summary>The generated twin of the corpus model double_op17, in double precision.</summary>
[Network(Precision = Precision.Double)]
[Input(6)]
[Dense(8, Activation.Tanh)]
[Dense(8, Activation.ReLU)]
[Dense(3, Activation.Identity)]
public partial class TorchDoubleNet;

/// <summary>
/// The corpus model relu_softmax_op9 compiled by the source generator: the .onnx AdditionalFiles item goes through
/// build/NetGen.targets into the generator, as in an application.
/// </summary>
[Network(Onnx = "relu_softmax_op9.onnx")]
public partial class CompiledReluSoftmaxNet;
