using NetGen;

namespace NetGen.Weights.Tests;

// One digit against the rest as a logistic regression (64 pixels → one sigmoid, P(the digit)): a model too small to fit
// the minority perfectly, so how the classes are weighted decides where its boundary goes.
[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(64)]
[Dense(1, Activation.Sigmoid)]
public partial class DigitVersusRestNet;
