using NetGen;

namespace NetGen.Tests.Networks;

// Every hidden activation stacked in one network, so each declaration checks every hidden derivative under one output
// activation and loss. Double precision: finite differences need it.

[Network(Loss = Loss.MeanSquaredError, Precision = Precision.Double)]
[Input(3)]
[Dense(4, Activation.Sigmoid)]
[Dense(4, Activation.Tanh)]
[Dense(4, Activation.ReLU)]
[Dense(4, Activation.LeakyReLU, LeakySlope = 0.1)]
[Dense(4, Activation.Identity)]
[Dense(3, Activation.Identity)]
public partial class MseIdentityCheckNet;

[Network(Loss = Loss.MeanSquaredError, Precision = Precision.Double)]
[Input(3)]
[Dense(4, Activation.Sigmoid)]
[Dense(4, Activation.Tanh)]
[Dense(4, Activation.ReLU)]
[Dense(4, Activation.LeakyReLU, LeakySlope = 0.1)]
[Dense(4, Activation.Identity)]
[Dense(3, Activation.Sigmoid)]
public partial class MseSigmoidCheckNet;

[Network(Loss = Loss.MeanSquaredError, Precision = Precision.Double)]
[Input(3)]
[Dense(4, Activation.Sigmoid)]
[Dense(4, Activation.Tanh)]
[Dense(4, Activation.ReLU)]
[Dense(4, Activation.LeakyReLU, LeakySlope = 0.1)]
[Dense(4, Activation.Identity)]
[Dense(3, Activation.Tanh)]
public partial class MseTanhCheckNet;

[Network(Loss = Loss.MeanSquaredError, Precision = Precision.Double)]
[Input(3)]
[Dense(4, Activation.Sigmoid)]
[Dense(4, Activation.Tanh)]
[Dense(4, Activation.ReLU)]
[Dense(4, Activation.LeakyReLU, LeakySlope = 0.1)]
[Dense(4, Activation.Identity)]
[Dense(3, Activation.ReLU)]
public partial class MseReLUCheckNet;

[Network(Loss = Loss.MeanSquaredError, Precision = Precision.Double)]
[Input(3)]
[Dense(4, Activation.Sigmoid)]
[Dense(4, Activation.Tanh)]
[Dense(4, Activation.ReLU)]
[Dense(4, Activation.LeakyReLU, LeakySlope = 0.1)]
[Dense(4, Activation.Identity)]
[Dense(3, Activation.LeakyReLU, LeakySlope = 0.2)]
public partial class MseLeakyReLUCheckNet;

[Network(Loss = Loss.MeanSquaredError, Precision = Precision.Double)]
[Input(3)]
[Dense(4, Activation.Sigmoid)]
[Dense(4, Activation.Tanh)]
[Dense(4, Activation.ReLU)]
[Dense(4, Activation.LeakyReLU, LeakySlope = 0.1)]
[Dense(4, Activation.Identity)]
[Dense(3, Activation.Softmax)]
public partial class MseSoftmaxCheckNet;

[Network(Loss = Loss.BinaryCrossEntropy, Precision = Precision.Double)]
[Input(3)]
[Dense(4, Activation.Sigmoid)]
[Dense(4, Activation.Tanh)]
[Dense(4, Activation.ReLU)]
[Dense(4, Activation.LeakyReLU, LeakySlope = 0.1)]
[Dense(4, Activation.Identity)]
[Dense(3, Activation.Sigmoid)]
public partial class BceSigmoidCheckNet;

[Network(Loss = Loss.SoftmaxCrossEntropy, Precision = Precision.Double)]
[Input(3)]
[Dense(4, Activation.Sigmoid)]
[Dense(4, Activation.Tanh)]
[Dense(4, Activation.ReLU)]
[Dense(4, Activation.LeakyReLU, LeakySlope = 0.1)]
[Dense(4, Activation.Identity)]
[Dense(3, Activation.Softmax)]
public partial class SceSoftmaxCheckNet;

// Dropout on the inputs and on two hidden layers, checked with a fixed mask.
[Network(Loss = Loss.SoftmaxCrossEntropy, Precision = Precision.Double)]
[Input(6)]
[Dropout(0.9)]
[Dense(8, Activation.Tanh)]
[Dropout(0.5)]
[Dense(7, Activation.Sigmoid)]
[Dropout(0.75)]
[Dense(4, Activation.Softmax)]
public partial class DropoutCheckNet;

// Wide enough that Forward loops with vector dot products (not unrolled), with lengths that leave vector tails.
[Network(Loss = Loss.MeanSquaredError, Precision = Precision.Double)]
[Input(37)]
[Dense(33, Activation.Tanh)]
[Dropout(0.8)]
[Dense(19, Activation.LeakyReLU)]
[Dense(5, Activation.Sigmoid)]
public partial class WideCheckNet;

// The activations added with issue 15 stacked, each also the output under the quadratic cost; GELU, SiLU and Softplus
// keep z for their derivatives, ELU computes them from a.

[Network(Loss = Loss.MeanSquaredError, Precision = Precision.Double)]
[Input(3)]
[Dense(4, Activation.ELU)]
[Dense(4, Activation.GELU)]
[Dense(4, Activation.SiLU)]
[Dense(4, Activation.Softplus)]
[Dense(3, Activation.ELU)]
public partial class MseEluCheckNet;

[Network(Loss = Loss.MeanSquaredError, Precision = Precision.Double)]
[Input(3)]
[Dense(4, Activation.ELU)]
[Dense(4, Activation.GELU)]
[Dense(4, Activation.SiLU)]
[Dense(4, Activation.Softplus)]
[Dense(3, Activation.GELU)]
public partial class MseGeluCheckNet;

[Network(Loss = Loss.MeanSquaredError, Precision = Precision.Double)]
[Input(3)]
[Dense(4, Activation.ELU)]
[Dense(4, Activation.GELU)]
[Dense(4, Activation.SiLU)]
[Dense(4, Activation.Softplus)]
[Dense(3, Activation.SiLU)]
public partial class MseSiluCheckNet;

[Network(Loss = Loss.MeanSquaredError, Precision = Precision.Double)]
[Input(3)]
[Dense(4, Activation.ELU)]
[Dense(4, Activation.GELU)]
[Dense(4, Activation.SiLU)]
[Dense(4, Activation.Softplus)]
[Dense(3, Activation.Softplus)]
public partial class MseSoftplusCheckNet;

// The same four on wide layers (looped, with vector tails) with dropout, under softmax cross-entropy.
[Network(Loss = Loss.SoftmaxCrossEntropy, Precision = Precision.Double)]
[Input(37)]
[Dropout(0.9)]
[Dense(33, Activation.GELU)]
[Dropout(0.8)]
[Dense(19, Activation.SiLU)]
[Dense(9, Activation.Softplus)]
[Dropout(0.7)]
[Dense(6, Activation.ELU)]
[Dense(4, Activation.Softmax)]
public partial class WideNewActivationsCheckNet;
