using NetGen;

namespace NetGen.Tests.Networks;

[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(2)]
[Dense(4, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
public partial class XorNet;

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(64)]
[Dense(32, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class DigitsNet;

[Network(Loss = Loss.SoftmaxCrossEntropy, Precision = Precision.Double)]
[Input(64)]
[Dropout(0.9)]
[Dense(32, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class DigitsNetDouble;

[Network]
[Input(3)]
[Dense(2, Activation.Step)]
[Dense(1, Activation.Step)]
public partial class PerceptronNet;

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(45)]
[Dropout(0.9)]
[Dense(70, Activation.Sigmoid)]
[Dense(33, Activation.Tanh)]
[Dropout(0.6)]
[Dense(9, Activation.Softmax)]
public partial class WideFloatNet;

// A hidden layer too wide for Forward's stack scratch, so it takes the pooled-array path.
[Network(Loss = Loss.MeanSquaredError)]
[Input(3)]
[Dense(9000, Activation.ReLU)]
[Dense(2, Activation.Identity)]
public partial class VeryWideFloatNet;

// Batched inference's row blocks and column tails: 100 inputs (sixteens, then four single columns), 20 rows (two blocks
// of eight, then four), 13 (eight, then five) and 4 (no block of eight); a layer of 13 inputs (no sixteen, one eight,
// five single columns).
[Network(Loss = Loss.MeanSquaredError)]
[Input(100)]
[Dense(20, Activation.Tanh)]
[Dense(13, Activation.ReLU)]
[Dense(4, Activation.Identity)]
public partial class OddWidthFloatNet;

// Forward keeps hidden activations in vector registers (inputs and hidden layers multiples of eight, hidden ≤ 32 wide):
// 8-16-1 tanh with the input in registers too; two hidden layers and an output with a remainder after its block of
// eight; an input read from memory (wider than 32) feeding a softmax with a remainder.
[Network(Loss = Loss.MeanSquaredError)]
[Input(8)]
[Dense(16, Activation.Tanh)]
[Dense(1, Activation.Identity)]
public partial class RegisterTanhNet;

[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(24)]
[Dense(32, Activation.LeakyReLU, LeakySlope = 0.05)]
[Dense(8, Activation.Sigmoid)]
[Dense(11, Activation.Sigmoid)]
public partial class RegisterTwoHiddenNet;

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(40)]
[Dense(16, Activation.ReLU)]
[Dropout(0.8)]
[Dense(10, Activation.Softmax)]
public partial class RegisterWideInputNet;

// Straight-line Forward computing four neurons per Vector128 (layers with two or four inputs): a two-input layer with a
// remainder, a packed output layer with a remainder, and between them a layer of scalar sums.
[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(2)]
[Dense(6, Activation.Tanh)]
[Dense(2, Activation.ReLU)]
[Dense(5, Activation.Sigmoid)]
public partial class PackedPairNet;

// Four-input layers handing their activations on as one vector, ending in a softmax over a packed group and two single
// neurons.
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(4)]
[Dense(4, Activation.LeakyReLU, LeakySlope = 0.1)]
[Dense(4, Activation.Tanh)]
[Dense(6, Activation.Softmax)]
public partial class PackedQuadNet;

// A four-input layer of seven: one packed group and three single horizontal sums, named for the scalar layer after it.
// (A sigmoid output: an identity output that happens to sum to nearly zero makes a relative comparison meaningless.)
[Network(Loss = Loss.MeanSquaredError)]
[Input(4)]
[Dense(7, Activation.Sigmoid)]
[Dense(1, Activation.Sigmoid)]
public partial class PackedRemainderNet;

// Register-resident networks whose output softmax stays in registers: two blocks of eight and a rest of three; exactly
// two blocks.
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(16)]
[Dense(8, Activation.Tanh)]
[Dense(19, Activation.Softmax)]
public partial class RegisterSoftmaxRestNet;

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(8)]
[Dense(24, Activation.ReLU)]
[Dense(16, Activation.Softmax)]
public partial class RegisterSoftmaxBlocksNet;

// Register softmaxes with every other rest (outputs mod 8), with and without a block of eight before it: the rest's
// lanes repeat its z, and a rest of one, two or four is summed within its lanes, the others masked.
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(8)]
[Dense(8, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
public partial class RegisterSoftmaxOf3Net;

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(16)]
[Dense(16, Activation.Tanh)]
[Dense(9, Activation.Softmax)]
public partial class RegisterSoftmaxOf9Net;

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(8)]
[Dense(16, Activation.ReLU)]
[Dense(4, Activation.Softmax)]
public partial class RegisterSoftmaxOf4Net;

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(24)]
[Dense(8, Activation.Sigmoid)]
[Dense(13, Activation.Softmax)]
public partial class RegisterSoftmaxOf13Net;

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(8)]
[Dense(24, Activation.ReLU)]
[Dense(6, Activation.Softmax)]
public partial class RegisterSoftmaxOf6Net;

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(8)]
[Dense(32, Activation.ReLU)]
[Dense(15, Activation.Softmax)]
public partial class RegisterSoftmaxOf15Net;

// Trained one sample per vector lane (tiny, single precision, no dropout): mean squared error through softmax's Jacobian
// after ReLU and leaky ReLU layers; and through an identity output after tanh.
[Network(Loss = Loss.MeanSquaredError)]
[Input(3)]
[Dense(5, Activation.ReLU)]
[Dense(4, Activation.LeakyReLU, LeakySlope = 0.1)]
[Dense(3, Activation.Softmax)]
public partial class LaneMseSoftmaxNet;

[Network(Loss = Loss.MeanSquaredError)]
[Input(5)]
[Dense(6, Activation.Tanh)]
[Dense(2, Activation.Identity)]
public partial class LaneMseIdentityNet;
