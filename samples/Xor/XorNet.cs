using NetGen;

namespace NetGen.Samples.Xor;

/// <summary>A 2-4-1 network for XOR: tanh hidden units, one sigmoid output trained on binary cross-entropy.</summary>
[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(2)]
[Dense(4, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
public partial class XorNet;
