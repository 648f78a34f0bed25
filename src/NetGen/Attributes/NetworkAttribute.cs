using System;

namespace NetGen;

/// <summary>
/// Marks a <c>partial class</c> as a feed-forward network for the NetGen source generator. The layers are the
/// <see cref="InputAttribute"/>, <see cref="DenseAttribute"/> and <see cref="DropoutAttribute"/> attributes on the same
/// declaration, read in source order.
/// </summary>
/// <example>
/// <code>
/// [Network(Loss = Loss.SoftmaxCrossEntropy)]
/// [Input(64)]
/// [Dense(32, Activation.ReLU)]
/// [Dropout(0.8)]
/// [Dense(10, Activation.Softmax)]
/// public partial class DigitsNet;
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
    /// <summary>
    /// The cost the network is trained on. When it is not set, a network is trained on
    /// <see cref="NetGen.Loss.MeanSquaredError"/>, except a network with a <see cref="Activation.Step"/> layer, which is
    /// then forward-only.
    /// </summary>
    public Loss Loss { get; set; }

    /// <summary>The floating-point type of the generated code; <see cref="NetGen.Precision.Single"/> unless set.</summary>
    public Precision Precision { get; set; }

    /// <summary>
    /// A safetensors weights file to bake into the assembly at build time, e.g. <c>"digits.safetensors"</c>. The file must
    /// be an <c>&lt;AdditionalFiles Include="digits.safetensors" /&gt;</c> item of the project; it is named by its file
    /// name or by the end of its path (<c>"models/digits.safetensors"</c>), compared segment by segment, ignoring case,
    /// and exactly one item must match. The generator checks it as <c>WeightsFile.Load</c> does (PyTorch names, shapes,
    /// dtype F32, F64, F16 or BF16, finite values, the architecture metadata if present) and embeds the parameters as
    /// read-only data: every instance starts with them, and the generated static <c>BakedParameters</c> exposes them,
    /// with no file and no I/O at run time. Unset, instances start with all parameters zero.
    /// </summary>
    public string? Weights { get; set; }

    /// <summary>
    /// An ONNX model to compile into this network at build time, e.g. <c>"digits.onnx"</c> as PyTorch's
    /// <c>torch.onnx.export</c> writes it: the class then declares no layer attributes, and the generator takes the input
    /// size, the dense layers with their activations, dropout and loss, and the weights (baked in, as with
    /// <see cref="Weights"/>) from the model, reading it with the same reader as <c>NetGen.Onnx.OnnxImporter</c>. The file
    /// must be an <c>&lt;AdditionalFiles Include="digits.onnx" /&gt;</c> item, named as for <see cref="Weights"/>. A
    /// <see cref="Loss"/> or <see cref="Precision"/> set here overrides the model's; a model the importer refuses is a
    /// compile-time error with the importer's message.
    /// </summary>
    public string? Onnx { get; set; }

    /// <summary>
    /// How <c>Forward</c> stores the weights it reads: <see cref="WeightFormat.Float"/> (the default, the parameters as
    /// they are), or <see cref="WeightFormat.Int8"/> (one scale per neuron) or <see cref="WeightFormat.BFloat16"/>,
    /// 4× and 2× fewer bytes (single precision only). Training always uses the float <c>Parameters</c>; <c>Forward</c>
    /// computes with their compressed copy, made again whenever <c>Parameters</c> may have changed (reading the property
    /// marks the copy out of date; <c>QuantizeInferenceWeights()</c> refreshes it explicitly). With <see cref="Weights"/>
    /// the compressed weights themselves are baked in, so the assembly holds 1 or 2 bytes per weight instead of 4.
    /// </summary>
    public WeightFormat InferenceWeights { get; set; }

    /// <summary>
    /// For a network with baked weights (<see cref="Weights"/> or <see cref="Onnx"/>), typically a pruned one: whether
    /// <c>Forward</c> may skip the weights that are zero in the baked file. The generator then writes each layer whose
    /// share of nonzero weights is at most <see cref="MaxSparseDensity"/> as straight-line code over only its nonzero
    /// weights (read from <c>Parameters</c> at their constant positions), skips rows with no nonzero weight (z = b) and
    /// neurons that only zero weights read, and says which layers it chose, and why, in the generated file's emission
    /// plan. The contract this opts into: <c>Forward</c> and everything built on it (prediction helpers, batched
    /// inference) treat a weight that is zero in the baked file as zero for good: writing a nonzero value there later
    /// (training without the pruning mask, loading other weights) is ignored by inference, while the surviving weights
    /// are read as they are (retraining them with <c>MaskedOptimizer</c> is seen). Training, losses and curvature products
    /// stay dense and read every parameter. False unless set.
    /// </summary>
    public bool SparseInference { get; set; }

    /// <summary>
    /// With <see cref="SparseInference"/>: the largest share of nonzero weights, in [0, 1], at which a layer is written
    /// sparse; denser layers keep the dense vector code. Unset, the generator uses the threshold measured on the pruned
    /// digits network, 0.1 (see the README's pruning section); 1 writes every layer sparse (within the generator's bound
    /// on the sparse code's size), 0 only layers with no nonzero weight. A value outside [0, 1], NaN included, is the
    /// compile-time error NG0032; setting it without <see cref="SparseInference"/> is the warning NG0033.
    /// </summary>
    public double MaxSparseDensity { get; set; } = double.NaN;
}
