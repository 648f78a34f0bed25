// Shared source: compiled into NetGen.Onnx and linked into the source generator (see OnnxImportProblem.cs).
using System;
using System.Collections.Generic;

#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared.Onnx;
#else
namespace NetGen.Onnx;
#endif

/// <summary>
/// Recognizes a feed-forward network in an ONNX graph. The graph is walked backwards from its output: each dense layer
/// is a <c>Gemm</c> or <c>MatMul</c>; between two of them (and between the input and the first) lies a stage of
/// element-wise nodes that must read as <c>outer(σ(inner(z)))</c>, where σ is one activation (a single operator or one of
/// the decompositions exporters write) and inner and outer are chains of per-feature affine maps (constant Add, Sub,
/// Mul, Div, Neg, BatchNormalization) and no-ops (Identity, Dropout, Flatten/Reshape to [batch, features]). The affine
/// maps are then folded into the neighbouring dense layers' weights: inner into the layer before (its outputs), outer
/// into the layer after (its inputs), the input stage into the first layer. Anything else is an
/// <see cref="OnnxImportError"/> that names the node.
/// </summary>
internal sealed partial class OnnxNetworkRecognizer
{
    /// <summary>The operators NetGen reads, as error messages and the README list them.</summary>
    public static readonly string SupportedOperators =
        "Gemm and MatMul (dense layers, with Add for MatMul's bias); " + SingleOperatorActivations() + ", Gelu (opset 20), " +
        "GELU as Div/Erf/Add/Mul, SiLU as Mul(x, Sigmoid(x)); Softmax and LogSoftmax on the output; constant Add, Sub, Mul, Div, Neg " +
        "and BatchNormalization (folded into the dense layers); Identity, Dropout, Flatten and Reshape (to [batch, features]); " +
        "Constant, and Identity or Cast of constants; Shape, Gather, Unsqueeze, Squeeze and Concat computing a Reshape's shape";

    private readonly OnnxGraphIndex _index;
    private readonly OnnxImportNotes _notes = new();
    private readonly OnnxValueInfo _input;
    private readonly long[] _inputDims;
    private readonly long? _fixedBatch;
    private readonly Precision _precision;

    private OnnxNetworkRecognizer(OnnxGraphIndex index, OnnxValueInfo input, long[] inputDims, long? fixedBatch, Precision precision)
    {
        _index = index;
        _input = input;
        _inputDims = inputDims;
        _fixedBatch = fixedBatch;
        _precision = precision;
    }

    /// <summary>Reads the network a parsed model computes.</summary>
    /// <exception cref="OnnxImportError">The model is not a network NetGen can express.</exception>
    public static OnnxNetworkDescription Recognize(OnnxModel model)
    {
        long opset = DefaultOpset(model);
        var index = new OnnxGraphIndex(model, opset);
        var graph = model.Graph;
        if (graph.SparseInitializerCount > 0)
        {
            throw new OnnxImportError(OnnxImportProblem.UnsupportedDataType, $"The graph has {ProtobufReader.Number(graph.SparseInitializerCount)} sparse initializers; NetGen reads dense tensors only");
        }

        var input = TheInput(graph, index);
        var (inputDims, fixedBatch, precision) = InputFacts(input);
        var output = TheOutput(graph);
        var recognizer = new OnnxNetworkRecognizer(index, input, inputDims, fixedBatch, precision);
        return recognizer.Build(model, output);
    }

    private static long DefaultOpset(OnnxModel model)
    {
        long? version = null;
        foreach (var opset in model.Opsets)
        {
            if (opset.Domain.Length == 0 || opset.Domain == "ai.onnx")
            {
                version = opset.Version;
            }
        }

        if (version is not { } found)
        {
            throw new OnnxImportError(OnnxImportProblem.UnsupportedOpset, "The model imports no opset of the default ONNX domain; NetGen reads opsets " + OpsetRange);
        }

        if (found < OnnxImportLimits.MinOpset || found > OnnxImportLimits.MaxOpset)
        {
            throw new OnnxImportError(OnnxImportProblem.UnsupportedOpset, $"The model uses opset {ProtobufReader.Number(found)} of the default ONNX domain; NetGen reads opsets {OpsetRange}");
        }

        return found;
    }

    private static string OpsetRange => ProtobufReader.Number(OnnxImportLimits.MinOpset) + " to " + ProtobufReader.Number(OnnxImportLimits.MaxOpset);

    private static OnnxValueInfo TheInput(OnnxGraph graph, OnnxGraphIndex index)
    {
        OnnxValueInfo? input = null;
        var names = new List<string>();
        foreach (var candidate in graph.Inputs)
        {
            // Older exporters list every initializer as a graph input too; those are not the network's input.
            if (index.IsInitializer(candidate.Name))
            {
                continue;
            }

            input ??= candidate;
            names.Add("'" + candidate.Name + "'");
        }

        if (input is null)
        {
            throw new OnnxImportError(OnnxImportProblem.InvalidModel, "The graph has no input (besides initializers)");
        }

        if (names.Count > 1)
        {
            throw new OnnxImportError(OnnxImportProblem.BranchingGraph, $"The graph has {ProtobufReader.Number(names.Count)} inputs ({string.Join(", ", names)}); a NetGen network takes one, [batch, features]");
        }

        if (index.Producer(input.Name) is { } producer)
        {
            throw new OnnxImportError(OnnxImportProblem.InvalidModel, $"Node '{producer.DisplayName}' ({producer.OpType}) computes the graph input '{input.Name}'", producer.DisplayName);
        }

        return input;
    }

    private static (long[] Dims, long? FixedBatch, Precision Precision) InputFacts(OnnxValueInfo input)
    {
        Precision precision = input.ElementType switch
        {
            OnnxTensorData.Float => Precision.Single,
            OnnxTensorData.Double => Precision.Double,
            _ => throw new OnnxImportError(OnnxImportProblem.UnsupportedDataType, input.IsTensor
                ? $"The graph input '{input.Name}' is a tensor of {OnnxTensorData.TypeName(input.ElementType)}; NetGen networks take FLOAT (single precision) or DOUBLE"
                : $"The graph input '{input.Name}' is not a tensor; NetGen networks take a FLOAT or DOUBLE tensor [batch, features]", tensor: input.Name),
        };
        if (input.Shape is not { } shape)
        {
            throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"The graph input '{input.Name}' declares no shape; NetGen needs [batch, features] (or [batch, …] of fixed sizes) to size the network", tensor: input.Name);
        }

        if (shape.Length < 2)
        {
            throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"The graph input '{input.Name}' has the shape {DimsText(shape)}; NetGen networks take a batch of samples, [batch, features]", tensor: input.Name);
        }

        long? fixedBatch = shape[0].Value;
        if (fixedBatch is < 1)
        {
            throw new OnnxImportError(OnnxImportProblem.HostileSize, $"The graph input '{input.Name}' has the batch dimension {ProtobufReader.Number(fixedBatch.Value)}", tensor: input.Name);
        }

        var dims = new long[shape.Length - 1];
        long features = 1;
        for (int i = 1; i < shape.Length; i++)
        {
            if (shape[i].Value is not { } size)
            {
                throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"The graph input '{input.Name}' has the shape {DimsText(shape)}: dimension {ProtobufReader.Number(i)} is symbolic, but a NetGen network has a fixed number of features", tensor: input.Name);
            }

            if (size < 1 || size > NetworkLimits.MaxLayerSize || (features *= size) > NetworkLimits.MaxLayerSize)
            {
                throw new OnnxImportError(OnnxImportProblem.HostileSize, $"The graph input '{input.Name}' has the shape {DimsText(shape)}; a NetGen network takes between 1 and {ProtobufReader.Number(NetworkLimits.MaxLayerSize)} features per sample", tensor: input.Name);
            }

            dims[i - 1] = size;
        }

        return (dims, fixedBatch, precision);
    }

    private static OnnxValueInfo TheOutput(OnnxGraph graph)
    {
        if (graph.Outputs.Length != 1)
        {
            var names = new List<string>();
            foreach (var output in graph.Outputs)
            {
                names.Add("'" + output.Name + "'");
            }

            throw graph.Outputs.Length == 0
                ? new OnnxImportError(OnnxImportProblem.InvalidModel, "The graph has no output")
                : new OnnxImportError(OnnxImportProblem.BranchingGraph, $"The graph has {ProtobufReader.Number(graph.Outputs.Length)} outputs ({string.Join(", ", names)}); a NetGen network has one");
        }

        return graph.Outputs[0];
    }

    private static string DimsText(OnnxDimension[] dims)
    {
        var parts = new string[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            parts[i] = dims[i].ToString();
        }

        return "[" + string.Join(", ", parts) + "]";
    }

    // ----- The backward walk ------------------------------------------------------------------------------------------

    /// <summary>What a node does to the data flowing through a stage.</summary>
    private enum StepKind
    {
        PassThrough,
        Add,
        Subtract,
        SubtractFrom,
        Multiply,
        Divide,
        Negate,
        Scale,
        BatchNormalization,
        Flatten,
        Reshape,
    }

    /// <summary>One node of a stage (or, for <see cref="StepKind.Scale"/>, the constant factor left by a decomposition).</summary>
    private sealed class Step
    {
        public Step(StepKind kind, OnnxNode node, string? constant = null, double factor = 1.0)
        {
            Kind = kind;
            Node = node;
            Constant = constant;
            Factor = factor;
        }

        public StepKind Kind { get; }

        public OnnxNode Node { get; }

        /// <summary>The constant operand, for the arithmetic kinds.</summary>
        public string? Constant { get; }

        /// <summary>The factor of <see cref="StepKind.Scale"/>.</summary>
        public double Factor { get; }
    }

    /// <summary>An activation found in a stage: which, its parameters, and the value it is applied to.</summary>
    private sealed class ActivationMatch
    {
        public ActivationMatch(Activation kind, OnnxNode node, string input)
        {
            Kind = kind;
            Node = node;
            Input = input;
        }

        public Activation Kind { get; }

        /// <summary>The pattern's top node (the one whose output is σ(u)).</summary>
        public OnnxNode Node { get; }

        /// <summary>u, the value σ is applied to.</summary>
        public string Input { get; }

        public double LeakySlope { get; set; } = 0.01;

        public double Alpha { get; set; } = 1.0;

        /// <summary>Whether the slope or α was read from a FLOAT attribute (rounded to single precision) rather than a DOUBLE constant.</summary>
        public bool ParameterIsSingle { get; set; }

        /// <summary>A constant factor the decomposition carries beyond σ itself (GELU written as x·(1 + erf(x/√2)) without the ½, say).</summary>
        public double Residual { get; set; } = 1.0;

        public bool LogSoftmax { get; set; }
    }

    /// <summary>The element-wise nodes between two dense layers (or the input and the first, or the last and the output).</summary>
    private sealed class Stage
    {
        /// <summary>Steps applied after the activation, outermost (nearest the next layer) first.</summary>
        public List<Step> Outer { get; } = new();

        /// <summary>Steps applied before the activation, outermost first.</summary>
        public List<Step> Inner { get; } = new();

        public ActivationMatch? Activation { get; set; }

        /// <summary>Where the stage starts: the graph input or a dense layer's output.</summary>
        public string Leaf { get; set; } = string.Empty;
    }

    /// <summary>A dense layer's node and operands, before any data is read.</summary>
    private sealed class DenseNode
    {
        public DenseNode(OnnxNode node, string input, string weight, string? bias, bool transposed, double alpha, double beta)
        {
            Node = node;
            Input = input;
            Weight = weight;
            Bias = bias;
            Transposed = transposed;
            Alpha = alpha;
            Beta = beta;
        }

        public OnnxNode Node { get; }

        public string Input { get; }

        public string Weight { get; }

        public string? Bias { get; }

        /// <summary>Whether the weight is stored [out, in] (Gemm's transB = 1) rather than [in, out].</summary>
        public bool Transposed { get; }

        public double Alpha { get; }

        public double Beta { get; }

        public long[] WeightShape { get; set; } = [];

        public int InputSize { get; set; }

        public int OutputSize { get; set; }
    }

    // Walks from the output to the input, stage by stage, and returns the stages and dense nodes in forward order:
    // stage 0 (input → layer 1), layer 1, stage 1, …, layer L, stage L (layer L → output).
    private (List<Stage> Stages, List<DenseNode> Layers) Walk(string output)
    {
        var stages = new List<Stage>();
        var layers = new List<DenseNode>();
        if (output == _input.Name)
        {
            throw NoDenseLayer();
        }

        if (_index.IsConstant(output, int.MaxValue))
        {
            throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"The graph output '{output}' is a constant; it does not depend on the input");
        }

        string value = output;
        int consumerIndex = int.MaxValue;
        string consumer = $"the graph output '{output}'";
        while (true)
        {
            var stage = WalkStage(value, consumerIndex, consumer);
            stages.Add(stage);
            if (stage.Leaf == _input.Name)
            {
                break;
            }

            if (layers.Count == NetworkLimits.MaxDenseLayers)
            {
                throw new OnnxImportError(OnnxImportProblem.HostileSize, $"The graph has more than {ProtobufReader.Number(NetworkLimits.MaxDenseLayers)} dense layers, the most a NetGen network has");
            }

            var node = _index.Producer(stage.Leaf)!;
            var dense = ReadDenseNode(node);
            layers.Add(dense);
            value = dense.Input;
            consumerIndex = node.Index;
            consumer = Describe(node);
        }

        if (layers.Count == 0)
        {
            throw NoDenseLayer();
        }

        stages.Reverse();
        layers.Reverse();
        return (stages, layers);
    }

    private static OnnxImportError NoDenseLayer() =>
        new(OnnxImportProblem.UnsupportedUse, "The graph has no dense layer (Gemm or MatMul) between its input and its output; a NetGen network has at least one");

    private Stage WalkStage(string value, int consumerIndex, string consumer)
    {
        var stage = new Stage();
        while (true)
        {
            var node = Next(value, consumerIndex, consumer);
            if (node is null || node.OpType is "Gemm" or "MatMul")
            {
                stage.Leaf = value;
                return stage;
            }

            if (node.Outputs.Length == 0 || node.Outputs[0] != value)
            {
                throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"{Cap(consumer)} uses '{value}', an extra output of {Describe(node)}; NetGen reads only the first output of a node", node.DisplayName, value);
            }

            string next;
            if (stage.Activation is null && TryActivation(node) is { } activation)
            {
                stage.Activation = activation;
                if (activation.Residual != 1.0)
                {
                    stage.Outer.Add(new Step(StepKind.Scale, activation.Node, factor: activation.Residual));
                }

                next = activation.Input;
            }
            else if (TryStep(node, out var step, out next))
            {
                (stage.Activation is null ? stage.Outer : stage.Inner).Add(step);
            }
            else if (stage.Activation is { } found && IsActivationOperator(node))
            {
                throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"{Cap(Describe(found.Node))} applies its activation to the output of {Describe(node)}, another activation; a NetGen dense layer has one activation", found.Node.DisplayName);
            }
            else
            {
                throw Unsupported(node);
            }

            consumerIndex = node.Index;
            consumer = Describe(node);
            value = next;
        }
    }

    // The producer of a value flowing through the network, or null for the graph input.
    private OnnxNode? Next(string value, int consumerIndex, string consumer)
    {
        if (value == _input.Name)
        {
            return null;
        }

        if (value.Length == 0)
        {
            throw new OnnxImportError(OnnxImportProblem.InvalidModel, $"{Cap(consumer)} leaves out an input it needs");
        }

        if (_index.IsConstant(value, consumerIndex))
        {
            throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"{Cap(consumer)} is applied to the constant '{value}' where the network's data should flow; the path from the input to the output must be one chain", tensor: value);
        }

        var producer = _index.Producer(value);
        if (producer is null)
        {
            throw new OnnxImportError(OnnxImportProblem.MissingInitializer, $"{Cap(consumer)} uses '{value}', which is neither an initializer, the graph input nor the output of a node", tensor: value);
        }

        if (producer.Index >= consumerIndex)
        {
            throw new OnnxImportError(OnnxImportProblem.InvalidModel, $"{Cap(consumer)} uses '{value}' before {Describe(producer)} computes it: the graph is not in topological order", producer.DisplayName);
        }

        if (producer.Domain.Length != 0 && producer.Domain != "ai.onnx")
        {
            throw new OnnxImportError(OnnxImportProblem.UnsupportedOperator, $"{Cap(Describe(producer))} is an operator of the domain '{producer.Domain}'; NetGen reads the default ONNX domain: {SupportedOperators}", producer.DisplayName);
        }

        return producer;
    }

    private DenseNode ReadDenseNode(OnnxNode node)
    {
        string a = node.Input(0), b = node.Input(1);
        if (a.Length == 0 || b.Length == 0)
        {
            throw new OnnxImportError(OnnxImportProblem.InvalidModel, $"{Cap(Describe(node))} needs two inputs", node.DisplayName);
        }

        if (node.OpType == "MatMul")
        {
            if (_index.IsConstant(a, node.Index) && !_index.IsConstant(b, node.Index))
            {
                throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"{Cap(Describe(node))} multiplies the constant '{a}' by the data (W·x); NetGen reads batch-first dense layers, x·W", node.DisplayName, a);
            }

            return new DenseNode(node, a, RequireConstant(b, node, "weight"), null, transposed: false, 1.0, 1.0);
        }

        if ((node.Attribute("transA")?.I ?? 0) != 0)
        {
            throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"{Cap(Describe(node))} has transA = 1, which multiplies the transposed batch; NetGen reads Gemm with transA = 0", node.DisplayName);
        }

        long transB = node.Attribute("transB")?.I ?? 0;
        if (transB is not (0 or 1))
        {
            throw new OnnxImportError(OnnxImportProblem.InvalidModel, $"{Cap(Describe(node))} has transB = {ProtobufReader.Number(transB)}; it must be 0 or 1", node.DisplayName);
        }

        string c = node.Input(2);
        return new DenseNode(
            node,
            a,
            RequireConstant(b, node, "weight"),
            c.Length == 0 ? null : RequireConstant(c, node, "bias"),
            transposed: transB == 1,
            node.Attribute("alpha")?.F ?? 1.0,
            node.Attribute("beta")?.F ?? 1.0);
    }

    private string RequireConstant(string value, OnnxNode node, string role)
    {
        if (_index.IsConstant(value, node.Index))
        {
            return value;
        }

        if (_index.Producer(value) is null && value != _input.Name)
        {
            throw new OnnxImportError(OnnxImportProblem.MissingInitializer, $"{Cap(Describe(node))} uses the {role} '{value}', which no initializer or node defines", node.DisplayName, value);
        }

        throw new OnnxImportError(OnnxImportProblem.MissingInitializer, $"{Cap(Describe(node))} takes its {role} '{value}' from the graph's data rather than from an initializer; NetGen reads dense layers with stored weights", node.DisplayName, value);
    }

    // ----- Activations -----------------------------------------------------------------------------------------------

    private static bool IsActivationOperator(OnnxNode node) => OnnxActivationTable.IsActivationOperator(node.OpType);

    // A single operator of the shared table, with its parameter from the FLOAT attribute (or ONNX's default for it); else
    // one of the table's named patterns, each matched by its own method below from the pattern's top node.
    private ActivationMatch? TryActivation(OnnxNode node)
    {
        string u = node.Input(0);
        if (OnnxActivationTable.ForOperator(node.OpType) is { } entry)
        {
            var match = new ActivationMatch(entry.Activation, node, u);
            if (entry.ParameterAttribute is { } name)
            {
                double value = node.Attribute(name)?.F ?? entry.DefaultParameter;
                match.ParameterIsSingle = true;
                if (entry.Parameter == OnnxActivationParameter.LeakySlope)
                {
                    match.LeakySlope = value;
                }
                else
                {
                    match.Alpha = value;
                }
            }

            return match;
        }

        switch (node.OpType)
        {
            case "Gelu":
                return Gelu(node, u);
            case "LogSoftmax":
                return new ActivationMatch(Activation.Softmax, node, u) { LogSoftmax = true };
            case "Mul":
                return SiluOrGelu(node);
            case "Where":
                return NetGenLeakyReluOrElu(node);
            case "Cast":
                return NetGenStep(node);
            case "Erf":
                throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"{Cap(Describe(node))} is not part of GELU's decomposition x·½·(1 + erf(x/√2)); NetGen reads Erf only there", node.DisplayName);
            default:
                return null;
        }
    }

    private ActivationMatch Gelu(OnnxNode node, string u)
    {
        var approximate = node.Attribute("approximate");
        string mode = approximate?.S is { } s ? ProtobufReader.DecodeString(_index.Data, s, "AttributeProto") : "none";
        if (mode != "none")
        {
            throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"{Cap(Describe(node))} uses approximate = '{mode}'; NetGen's GELU is the exact erf form (PyTorch's nn.GELU() default)", node.DisplayName);
        }

        return new ActivationMatch(Activation.GELU, node, u);
    }

    // SiLU: Mul(u, Sigmoid(u)). GELU: Mul(x-part, erf-part), x-part = c₁·u, erf-part = c₂·(1 + erf(u/√2)), c₁c₂ = ½·r
    // (PyTorch writes Mul(Mul(u, 1 + erf(u/√2)), ½), where the outer ½ is peeled as an ordinary scale first; NetGen's
    // exporter Mul(Mul(u, ½), 1 + erf(u/√2))). The factor r that is left over becomes a scale after the activation.
    private ActivationMatch? SiluOrGelu(OnnxNode node)
    {
        string a = node.Input(0), b = node.Input(1);
        if (a.Length == 0 || b.Length == 0 || _index.IsConstant(a, node.Index) || _index.IsConstant(b, node.Index))
        {
            return null;
        }

        for (int order = 0; order < 2; order++)
        {
            string first = order == 0 ? a : b, second = order == 0 ? b : a;
            var sigmoid = _index.Producer(second);
            if (sigmoid is { OpType: "Sigmoid" } && sigmoid.Index < node.Index && Reaches(first, sigmoid.Input(0), node.Index, out double factor))
            {
                return new ActivationMatch(Activation.SiLU, node, sigmoid.Input(0)) { Residual = factor };
            }

            if (ErfPart(second, node.Index) is { } erf && Reaches(first, erf.U, node.Index, out double xFactor))
            {
                return new ActivationMatch(Activation.GELU, node, erf.U) { Residual = xFactor * erf.Factor / 0.5 };
            }
        }

        return null;
    }

    // Whether value is c·target for a constant scalar c (a chain of Mul or Div by single constants, possibly empty), and c.
    private bool Reaches(string value, string target, int consumerIndex, out double factor)
    {
        factor = 1.0;
        for (int depth = 0; depth < 8; depth++)
        {
            if (value == target)
            {
                return true;
            }

            if (!TryScalarFactor(value, consumerIndex, out var node, out double c, out string inner))
            {
                return false;
            }

            factor *= c;
            value = inner;
            consumerIndex = node.Index;
        }

        return false;
    }

    // value = Mul(inner, c), Mul(c, inner) or Div(inner, c) with c a single constant.
    private bool TryScalarFactor(string value, int consumerIndex, out OnnxNode node, out double factor, out string inner)
    {
        node = _index.Producer(value)!;
        factor = 1.0;
        inner = string.Empty;
        if (node is null || node.Index >= consumerIndex || node.OpType is not ("Mul" or "Div"))
        {
            return false;
        }

        string a = node.Input(0), b = node.Input(1);
        if (a.Length == 0 || b.Length == 0)
        {
            return false;
        }

        if (node.OpType == "Mul" && _index.IsConstant(a, node.Index) && !_index.IsConstant(b, node.Index))
        {
            (a, b) = (b, a);
        }

        if (_index.IsConstant(a, node.Index) || !_index.IsConstant(b, node.Index))
        {
            return false;
        }

        var constant = _index.Constant(b, node);
        if (!constant.IsSingle)
        {
            return false;
        }

        factor = node.OpType == "Mul" ? constant.Values[0] : 1.0 / constant.Values[0];
        inner = a;
        return true;
    }

    // c·(1 + erf(u/√2)) (or u·(1/√2) inside, and 1 on either side of the Add): u and c, or null.
    private (string U, double Factor)? ErfPart(string value, int consumerIndex)
    {
        double factor = 1.0;
        for (int depth = 0; depth < 8; depth++)
        {
            var add = _index.Producer(value);
            if (add is null || add.Index >= consumerIndex)
            {
                return null;
            }

            if (add.OpType == "Add")
            {
                string x = add.Input(0), y = add.Input(1);
                if (x.Length == 0 || y.Length == 0)
                {
                    return null;
                }

                if (_index.IsConstant(x, add.Index))
                {
                    (x, y) = (y, x);
                }

                if (!_index.IsConstant(y, add.Index) || !IsSingle(y, add, 1.0, 0.0))
                {
                    return null;
                }

                var erf = _index.Producer(x);
                if (erf is not { OpType: "Erf" } || erf.Index >= add.Index || erf.Input(0).Length == 0)
                {
                    return null;
                }

                if (!TryScalarFactor(erf.Input(0), erf.Index, out _, out double inverseRoot2, out string u)
                    || Math.Abs(inverseRoot2 - 0.70710678118654752) > 1e-6 * 0.70710678118654752)
                {
                    return null;
                }

                return (u, factor);
            }

            if (!TryScalarFactor(value, consumerIndex, out var node, out double c, out string inner))
            {
                return null;
            }

            factor *= c;
            value = inner;
            consumerIndex = node.Index;
        }

        return null;
    }

    // Whether the constant value (used by consumer) is a single element equal to expected within a relative tolerance.
    private bool IsSingle(string value, OnnxNode consumer, double expected, double tolerance)
    {
        var constant = _index.Constant(value, consumer);
        return constant.IsSingle && Math.Abs(constant.Values[0] - expected) <= tolerance * Math.Abs(expected);
    }

    // NetGen's double-precision exports, which keep α exact as a DOUBLE constant rather than a FLOAT attribute:
    // LeakyReLU as Where(Greater(u, 0), u, Mul(u, α)) and ELU as Where(Greater(u, 0), u, Mul(α, Sub(Exp(u), 1))).
    private ActivationMatch? NetGenLeakyReluOrElu(OnnxNode node)
    {
        string condition = node.Input(0), u = node.Input(1), otherwise = node.Input(2);
        var greater = _index.Producer(condition);
        if (greater is not { OpType: "Greater" } || greater.Index >= node.Index || greater.Input(0) != u || u.Length == 0
            || !_index.IsConstant(greater.Input(1), greater.Index) || !IsSingle(greater.Input(1), greater, 0.0, 0.0))
        {
            return null;
        }

        var mul = _index.Producer(otherwise);
        if (mul is not { OpType: "Mul" } || mul.Index >= node.Index)
        {
            return null;
        }

        string x = mul.Input(0), y = mul.Input(1);
        if (x.Length == 0 || y.Length == 0)
        {
            return null;
        }

        if (_index.IsConstant(x, mul.Index))
        {
            (x, y) = (y, x);
        }

        if (!_index.IsConstant(y, mul.Index))
        {
            return null;
        }

        var slope = _index.Constant(y, mul);
        if (!slope.IsSingle)
        {
            return null;
        }

        if (x == u)
        {
            return new ActivationMatch(Activation.LeakyReLU, node, u) { LeakySlope = slope.Values[0] };
        }

        var sub = _index.Producer(x);
        if (sub is { OpType: "Sub" } && sub.Index < mul.Index && _index.IsConstant(sub.Input(1), sub.Index) && IsSingle(sub.Input(1), sub, 1.0, 0.0)
            && _index.Producer(sub.Input(0)) is { OpType: "Exp" } exp && exp.Index < sub.Index && exp.Input(0) == u)
        {
            return new ActivationMatch(Activation.ELU, node, u) { Alpha = slope.Values[0] };
        }

        return null;
    }

    // NetGen's Step: Cast(Greater(u, 0), to = FLOAT or DOUBLE).
    private ActivationMatch? NetGenStep(OnnxNode node)
    {
        var greater = _index.Producer(node.Input(0));
        long to = node.Attribute("to")?.I ?? 0;
        if (greater is not { OpType: "Greater" } || greater.Index >= node.Index || to is not (OnnxTensorData.Float or OnnxTensorData.Double)
            || greater.Input(0).Length == 0 || !_index.IsConstant(greater.Input(1), greater.Index) || !IsSingle(greater.Input(1), greater, 0.0, 0.0))
        {
            return null;
        }

        return new ActivationMatch(Activation.Step, node, greater.Input(0));
    }

    // ----- Affine and shape steps ------------------------------------------------------------------------------------

    private bool TryStep(OnnxNode node, out Step step, out string next)
    {
        step = null!;
        next = node.Input(0);
        switch (node.OpType)
        {
            case "Identity":
                step = new Step(StepKind.PassThrough, node);
                return true;
            case "Dropout":
                CheckDropout(node);
                step = new Step(StepKind.PassThrough, node);
                _notes.Add($"Dropout node '{node.DisplayName}' is an identity at inference and was dropped");
                return true;
            case "Cast":
                long to = node.Attribute("to")?.I ?? 0;
                if (to != (_precision == Precision.Double ? OnnxTensorData.Double : OnnxTensorData.Float))
                {
                    throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"{Cap(Describe(node))} converts the data to {OnnxTensorData.TypeName((int)to)}; a NetGen network computes in one type, that of its input ({(_precision == Precision.Double ? "DOUBLE" : "FLOAT")})", node.DisplayName);
                }

                step = new Step(StepKind.PassThrough, node);
                return true;
            case "Flatten":
                step = new Step(StepKind.Flatten, node);
                return true;
            case "Reshape":
                step = new Step(StepKind.Reshape, node, node.Input(1));
                return true;
            case "Neg":
                step = new Step(StepKind.Negate, node);
                return true;
            case "BatchNormalization":
                step = BatchNormalizationStep(node);
                return true;
            case "Add":
            case "Sub":
            case "Mul":
            case "Div":
                return TryArithmetic(node, out step, out next);
            default:
                return false;
        }
    }

    private void CheckDropout(OnnxNode node)
    {
        string training = node.Input(2);
        if (training.Length == 0)
        {
            return;
        }

        if (!_index.IsConstant(training, node.Index))
        {
            throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"{Cap(Describe(node))} takes its training_mode from the graph's data; NetGen imports inference graphs (training_mode absent or a constant false)", node.DisplayName);
        }

        foreach (double flag in _index.Constant(training, node).Values)
        {
            if (flag != 0)
            {
                throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"{Cap(Describe(node))} runs in training mode (training_mode = true), which drops values at random; NetGen imports inference graphs", node.DisplayName);
            }
        }
    }

    private Step BatchNormalizationStep(OnnxNode node)
    {
        if (node.Inputs.Length < 5)
        {
            throw new OnnxImportError(OnnxImportProblem.InvalidModel, $"{Cap(Describe(node))} has {ProtobufReader.Number(node.Inputs.Length)} inputs; it needs X, scale, B, mean and var", node.DisplayName);
        }

        if ((node.Attribute("training_mode")?.I ?? 0) != 0)
        {
            throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"{Cap(Describe(node))} runs in training mode (training_mode = 1), which normalizes by the batch's own statistics; NetGen folds inference BatchNormalization only", node.DisplayName);
        }

        for (int i = 1; i < 5; i++)
        {
            RequireConstant(node.Inputs[i], node, i switch { 1 => "scale", 2 => "bias", 3 => "running mean", _ => "running variance" });
        }

        return new Step(StepKind.BatchNormalization, node);
    }

    private bool TryArithmetic(OnnxNode node, out Step step, out string next)
    {
        step = null!;
        string a = node.Input(0), b = node.Input(1);
        next = a;
        if (a.Length == 0 || b.Length == 0)
        {
            throw new OnnxImportError(OnnxImportProblem.InvalidModel, $"{Cap(Describe(node))} needs two inputs", node.DisplayName);
        }

        bool aConstant = _index.IsConstant(a, node.Index), bConstant = _index.IsConstant(b, node.Index);
        if (!aConstant && !bConstant)
        {
            throw node.OpType is "Add" or "Sub"
                ? new OnnxImportError(OnnxImportProblem.BranchingGraph, $"{Cap(Describe(node))} combines two computed tensors, '{a}' and '{b}' (a residual or branching connection); a NetGen network is one chain of dense layers", node.DisplayName)
                : new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"{Cap(Describe(node))} multiplies or divides two computed tensors, '{a}' and '{b}'; NetGen reads that only as SiLU, x·sigmoid(x), or GELU, x·½·(1 + erf(x/√2))", node.DisplayName);
        }

        switch (node.OpType)
        {
            case "Add":
                step = new Step(StepKind.Add, node, aConstant ? a : b);
                next = aConstant ? b : a;
                return true;
            case "Mul":
                step = new Step(StepKind.Multiply, node, aConstant ? a : b);
                next = aConstant ? b : a;
                return true;
            case "Sub":
                step = aConstant ? new Step(StepKind.SubtractFrom, node, a) : new Step(StepKind.Subtract, node, b);
                next = aConstant ? b : a;
                return true;
            default:
                if (aConstant)
                {
                    throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"{Cap(Describe(node))} divides the constant '{a}' by the data, which is not a per-feature scale and shift", node.DisplayName);
                }

                step = new Step(StepKind.Divide, node, b);
                return true;
        }
    }

    // The single-operator activations of the shared table that may stand on any layer (Softmax is listed with the output).
    private static string SingleOperatorActivations()
    {
        var names = new List<string>();
        foreach (var entry in OnnxActivationTable.Operators)
        {
            if (entry.Activation != Activation.Softmax)
            {
                names.Add(entry.OpType);
            }
        }

        return string.Join(", ", names);
    }

    private static OnnxImportError Unsupported(OnnxNode node) =>
        new(OnnxImportProblem.UnsupportedOperator, $"{Cap(Describe(node))} is not an operator NetGen reads in a network's data path; NetGen reads {SupportedOperators}", node.DisplayName);

    /// <summary>"node 'fc1' (Gemm)".</summary>
    private static string Describe(OnnxNode node) => $"node '{node.DisplayName}' ({node.OpType})";

    private static string Cap(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text.Substring(1);
}
