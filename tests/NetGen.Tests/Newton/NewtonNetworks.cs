using NetGen;

namespace NetGen.Tests.Newton;

/// <summary>1-5-1 tanh with a linear output, for sin(πx): 16 parameters.</summary>
[Network(Loss = Loss.MeanSquaredError, Precision = Precision.Double)]
[Input(1)]
[Dense(5, Activation.Tanh)]
[Dense(1, Activation.Identity)]
internal partial class SineNet;

/// <summary>One linear layer, 3 → 2, quadratic cost: the loss is exactly quadratic in the 8 parameters.</summary>
[Network(Loss = Loss.MeanSquaredError, Precision = Precision.Double)]
[Input(3)]
[Dense(2, Activation.Identity)]
internal partial class LinearNet;

/// <summary>The same linear model in single precision.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(3)]
[Dense(2, Activation.Identity)]
internal partial class LinearFloatNet;

/// <summary>784-128-10 ReLU, softmax cross-entropy, single precision: 101,770 parameters.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
internal partial class MnistSizedNet;

/// <summary>A small tanh network with dropout, to check that Newton models the whole network.</summary>
[Network(Loss = Loss.MeanSquaredError, Precision = Precision.Double)]
[Input(1)]
[Dense(6, Activation.Tanh)]
[Dropout(0.8)]
[Dense(1, Activation.Identity)]
internal partial class SineDropoutNet;
