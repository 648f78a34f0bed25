using Microsoft.CodeAnalysis;

namespace NetGen.Generator.Tests;

/// <summary>Declarations that between them take every path of the emitters, for tests about generated code as a whole.</summary>
internal static class EmissionPaths
{
    public const string Source = """
        using NetGen;
        namespace Paths;
        [Network(Loss = Loss.BinaryCrossEntropy)][Input(2)][Dense(4, Activation.Tanh)][Dense(1, Activation.Sigmoid)] public partial class Lanes;
        [Network(Loss = Loss.SoftmaxCrossEntropy)][Input(64)][Dense(32, Activation.ReLU)][Dense(10, Activation.Softmax)] public partial class RegisterSoftmax;
        [Network(Loss = Loss.SoftmaxCrossEntropy)][Input(64)][Dropout(0.9)][Dense(32, Activation.ReLU)][Dropout(0.8)][Dense(10, Activation.Softmax)] public partial class WithDropout;
        [Network][Input(300)][Dense(70, Activation.LeakyReLU, LeakySlope = 0.2)][Dense(3, Activation.Identity)] public partial class Looped;
        [Network(Loss = Loss.SoftmaxCrossEntropy)][Input(4)][Dense(4, Activation.Sigmoid)][Dense(100, Activation.Softmax)] public partial class WideSoftmax;
        [Network(Precision = Precision.Double)][Input(2)][Dense(4, Activation.Tanh)][Dense(1, Activation.Sigmoid)] public partial class DoubleUnrolled;
        [Network(Loss = Loss.SoftmaxCrossEntropy, Precision = Precision.Double)][Input(40)][Dropout(0.7)][Dense(30, Activation.ReLU)][Dense(10, Activation.Softmax)] public partial class DoubleLooped;
        [Network][Input(4000)][Dense(3000, Activation.ReLU)][Dense(3, Activation.Identity)] public partial class PooledForward;
        [Network][Input(3)][Dense(5, Activation.Step)][Dense(1, Activation.Step)] public partial class ForwardOnly;
        [Network(Weights = "paths.safetensors")][Input(2)][Dense(1, Activation.Identity)] public partial class Baked;
        [Network(Weights = "scaled-paths.safetensors")][Input(2)][Dense(1, Activation.Identity)] public partial class BakedWithScaler;
        [Network(Loss = Loss.SoftmaxCrossEntropy, InferenceWeights = WeightFormat.Int8)][Input(300)][Dense(70, Activation.ReLU)][Dense(10, Activation.Softmax)] public partial class Int8Weights;
        [Network(InferenceWeights = WeightFormat.BFloat16)][Input(6)][Dense(5, Activation.Tanh)][Dense(2, Activation.Identity)] public partial class BFloat16Weights;
        [Network(Weights = "paths.safetensors", InferenceWeights = WeightFormat.Int8)][Input(2)][Dense(1, Activation.Identity)] public partial class BakedInt8;
        [Network(Weights = "paths.safetensors", InferenceWeights = WeightFormat.BFloat16)][Input(2)][Dense(1, Activation.Identity)] public partial class BakedBFloat16;
        """;

    /// <summary>The weights files <c>Baked</c> and <c>BakedWithScaler</c> name.</summary>
    public static AdditionalText[] BakedWeights =>
    [
        GeneratorHarness.WeightsFile("/project/paths.safetensors", TestWeights.TwoToOne()),
        GeneratorHarness.WeightsFile("/project/scaled-paths.safetensors", TestWeights.TwoToOne(scaler: "{\"kind\":\"min-max\",\"min\":[0,1],\"max\":[4,1]}")),
    ];
}
