using NetGen;

namespace NetGen.Benchmarks;

// The shapes of issue 6. Every classifier ends in softmax with softmax cross-entropy, as a trained classifier would be
// shipped; ONNX Runtime and TorchSharp run the same layers (their softmax included) with the same weights.

/// <summary>2-4-1 tanh/sigmoid: XOR.</summary>
[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(2)]
[Dense(4, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
public partial class Xor241;

/// <summary>8-16-1 tanh, a small regressor.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(8)]
[Dense(16, Activation.Tanh)]
[Dense(1, Activation.Identity)]
public partial class Tanh8161;

/// <summary>64-32-10 relu/softmax: the 8×8 digits.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(64)]
[Dense(32, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class Digits643210;

/// <summary>784-128-10 relu/softmax: (Fashion-)MNIST.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class Mnist78412810;

/// <summary>784-256-128-10 relu/softmax: (Fashion-)MNIST, two hidden layers.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(784)]
[Dense(256, Activation.ReLU)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class Mnist78425612810;
