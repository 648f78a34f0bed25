using NetGen;

namespace NetGen.Samples.Convergence;

/// <summary>A 1-5-1 network with tanh hidden units and a linear output, fitted to sin(πx) on [−1, 1]; 16 parameters.</summary>
[Network(Loss = Loss.MeanSquaredError, Precision = Precision.Double)]
[Input(1)]
[Dense(5, Activation.Tanh)]
[Dense(1, Activation.Identity)]
public partial class SineNet;
