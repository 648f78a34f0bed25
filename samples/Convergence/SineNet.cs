using NetGen;

namespace NetGen.Samples.Convergence;

/// <summary>A 1-5-1 network with tanh hidden units and a linear output, fitted to sin(πx) on [−1, 1]; 16 parameters.</summary>
[Network(Loss = Loss.MeanSquaredError, Precision = Precision.Double)]
[Input(1)]
[Dense(5, Activation.Tanh)]
[Dense(1, Activation.Identity)]
public partial class SineNet;

/// <summary>FANN's XOR example network: 2-3-1 with tanh hidden and output units (FANN_SIGMOID_SYMMETRIC, steepness 1),
/// quadratic cost, single precision.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(2)]
[Dense(3, Activation.Tanh)]
[Dense(1, Activation.Tanh)]
public partial class FannXorNet;
