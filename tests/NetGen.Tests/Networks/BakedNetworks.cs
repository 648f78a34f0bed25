using NetGen;

namespace NetGen.Tests.Networks;

/// <summary>samples/DigitsAot's classifier with its trained weights baked in at build time.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Weights = "DigitsAot/digits.safetensors")]
[Input(64)]
[Dense(32, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class BakedDigitsNet;

/// <summary>The same network without baked weights, to load the same file into at run time.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(64)]
[Dense(32, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class DigitsTwinNet;

/// <summary>The generated twin of PyTorch's <c>nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))</c>.</summary>
[Network]
[Input(2)]
[Dense(3, Activation.ReLU)]
[Dense(1, Activation.Identity)]
public partial class TorchSmallNet;
