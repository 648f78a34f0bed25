namespace NetGen.Generator.Model;

// Mirrors of the runtime's public enums (NetGen.Activation, NetGen.Loss, NetGen.Precision). The generator cannot
// reference the net10.0 runtime, so attribute arguments arrive as their underlying integers; EnumMirrorTests keeps the
// names and values of both sides identical.

internal enum ActivationKind
{
    Identity = 0,
    Sigmoid = 1,
    Tanh = 2,
    ReLU = 3,
    LeakyReLU = 4,
    Softmax = 5,
    Step = 6,
    ELU = 7,
    GELU = 8,
    SiLU = 9,
    Softplus = 10,
}

internal enum LossKind
{
    MeanSquaredError = 0,
    BinaryCrossEntropy = 1,
    SoftmaxCrossEntropy = 2,
}

internal enum PrecisionKind
{
    Single = 0,
    Double = 1,
}
