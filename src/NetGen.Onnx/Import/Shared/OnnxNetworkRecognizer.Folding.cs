// Shared source: compiled into NetGen.Onnx and linked into the source generator (see OnnxImportProblem.cs).
using System;
using System.Collections.Generic;

#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared.Onnx;
#else
namespace NetGen.Onnx;
#endif

internal sealed partial class OnnxNetworkRecognizer
{
    // The symbolic batch dimension inside a shape vector being evaluated for a Reshape.
    private const long Batch = long.MinValue;

    private OnnxNetworkDescription Build(OnnxModel model, OnnxValueInfo output)
    {
        var (stages, layers) = Walk(output.Name);
        long parameterCount = CheckShapes(stages, layers, output);
        var parameters = new double[parameterCount];
        var described = DecodeAndFold(stages, layers, parameters);

        var last = stages[stages.Count - 1].Activation;
        bool logSoftmax = last?.LogSoftmax ?? false;
        if (logSoftmax)
        {
            _notes.Add($"The output LogSoftmax '{last!.Node.DisplayName}' was imported as Softmax: the network returns the class probabilities, the exponentials of the model's outputs");
        }

        Loss? loss = InferLoss(described);
        double inputKeep = 1.0;
        var metadata = OnnxSpecMetadata.Find(model);
        if (metadata is not null)
        {
            var reconciled = OnnxSpecMetadata.Reconcile(metadata, _inputDims, described, SingleParameters(stages));
            described = reconciled.Layers;
            loss = reconciled.Loss;
            inputKeep = reconciled.InputKeepProbability;
        }

        foreach (var layer in described)
        {
            CheckActivationParameters(layer);
        }

        string producer = (model.ProducerName + " " + model.ProducerVersion).Trim();
        return new OnnxNetworkDescription(_input.Name, _inputDims, _fixedBatch, output.Name, _precision, inputKeep, described, loss, metadata is not null, logSoftmax, parameters, _index.Opset, producer, _notes.ToArray());
    }

    // Pass 1: shapes only, from the tensors' declared dimensions. Nothing is decoded, and nothing is allocated in
    // proportion to a declared size, until every size is known to be consistent with the weight tensors the file holds.
    // Returns the number of parameters.
    private long CheckShapes(List<Stage> stages, List<DenseNode> layers, OnnxValueInfo output)
    {
        if (stages[0].Activation is { } early)
        {
            throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"{Cap(Describe(early.Node))} applies an activation to the input before the first dense layer; a NetGen network starts with a dense layer", early.Node.DisplayName);
        }

        var dims = ShapePass(stages[0].Outer, _inputDims);
        long parameterCount = 0;
        for (int l = 0; l < layers.Count; l++)
        {
            var dense = layers[l];
            ReadDenseShape(dense, dims, l);
            parameterCount += ((long)dense.InputSize + 1) * dense.OutputSize;
            var stage = stages[l + 1];
            dims = ShapePass(stage.Inner, [dense.OutputSize]);
            if (stage.Activation is { } activation)
            {
                CheckActivationPlace(activation, l == layers.Count - 1, dims);
            }

            dims = ShapePass(stage.Outer, dims);
        }

        if (dims.Length != 1)
        {
            throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"The graph reshapes its output to [batch, {string.Join(", ", Texts(dims))}]; a NetGen network's output is [batch, outputs]");
        }

        var last = stages[stages.Count - 1];
        foreach (var step in last.Activation is null ? new List<Step>() : last.Outer)
        {
            if (step.Kind is not (StepKind.PassThrough or StepKind.Flatten or StepKind.Reshape))
            {
                throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"{Cap(Describe(step.Node))} changes the network's output after its activation ({last.Activation!.Node.OpType}); NetGen can fold scales and shifts only into a dense layer", step.Node.DisplayName);
            }
        }

        if (parameterCount > NetworkLimits.MaxParameterCount)
        {
            throw new OnnxImportError(OnnxImportProblem.HostileSize, $"The network has {ProtobufReader.Number(parameterCount)} parameters; a NetGen network has at most {ProtobufReader.Number(NetworkLimits.MaxParameterCount)}");
        }

        int outputs = layers[layers.Count - 1].OutputSize;
        if (output.Shape is { Length: >= 1 } declared && declared[declared.Length - 1].Value is { } declaredOutputs && declaredOutputs != outputs)
        {
            throw new OnnxImportError(OnnxImportProblem.InvalidModel, $"The graph declares its output '{output.Name}' with the shape {DimsText(declared)}, but the network computes {ProtobufReader.Number(outputs)} outputs per sample", tensor: output.Name);
        }

        return parameterCount;
    }

    // Pass 2: decodes each layer's weights into its place in parameters and folds the stages' affine maps into them:
    // on its input side the input stage (first layer) or what follows the previous layer's activation, on its output
    // side what precedes its own activation (or, without one, everything up to the next layer).
    private OnnxDenseLayer[] DecodeAndFold(List<Stage> stages, List<DenseNode> layers, double[] parameters)
    {
        var described = new OnnxDenseLayer[layers.Count];
        int offset = 0;
        var dims = _inputDims;
        for (int l = 0; l < layers.Count; l++)
        {
            var dense = layers[l];
            int inputs = dense.InputSize, size = dense.OutputSize;
            var weights = new ArraySegment<double>(parameters, offset, inputs * size);
            var biases = new ArraySegment<double>(parameters, offset + (inputs * size), size);
            string? biasTensor = DecodeDense(dense, weights, biases);
            bool folded = false;

            var before = stages[l];
            if (l == 0 || before.Activation is not null)
            {
                var (scale, shift, _) = Compose(before.Outer, dims);
                if (FoldIntoInputs(weights, biases, inputs, size, scale, shift))
                {
                    folded = true;
                    _notes.Add(l == 0
                        ? $"Input normalization ({Nodes(before.Outer)}) was folded into dense layer 1"
                        : $"The scale and shift after dense layer {ProtobufReader.Number(l)}'s activation ({Nodes(before.Outer)}) were folded into dense layer {ProtobufReader.Number(l + 1)}");
                }
            }

            var after = stages[l + 1];
            var outputSteps = after.Activation is null ? after.Outer : after.Inner;
            var (outScale, outShift, outDims) = Compose(outputSteps, [size]);
            if (FoldIntoOutputs(weights, biases, inputs, size, outScale, outShift))
            {
                folded = true;
                _notes.Add($"{Nodes(outputSteps)} after dense layer {ProtobufReader.Number(l + 1)} {(outputSteps.Count == 1 ? "was" : "were")} folded into it");
            }

            // MatMul's bias is the constant of the Add that follows it.
            if (biasTensor is null && outputSteps.Count > 0 && outputSteps[outputSteps.Count - 1] is { Kind: StepKind.Add } add)
            {
                biasTensor = _index.Constant(add.Constant!, add.Node).Name;
            }

            dims = after.Activation is null ? outDims : ShapePass(after.Inner, [size]);
            RequireFinite(weights, biases, dense, l, folded);
            var activation = after.Activation;
            described[l] = new OnnxDenseLayer(
                inputs,
                size,
                activation?.Kind ?? Activation.Identity,
                activation?.LeakySlope ?? 0.01,
                activation?.Alpha ?? 1.0,
                1.0,
                dense.Node.DisplayName,
                dense.Node.OpType,
                _index.Constant(dense.Weight, dense.Node).Name,
                dense.WeightShape,
                biasTensor,
                activation?.Node.DisplayName);
            offset += (inputs * size) + size;
        }

        return described;
    }

    private static bool[] SingleParameters(List<Stage> stages)
    {
        var single = new bool[stages.Count - 1];
        for (int i = 1; i < stages.Count; i++)
        {
            single[i - 1] = stages[i].Activation?.ParameterIsSingle ?? false;
        }

        return single;
    }

    private static Loss? InferLoss(OnnxDenseLayer[] layers)
    {
        foreach (var layer in layers)
        {
            if (layer.Activation == Activation.Step)
            {
                return null;
            }
        }

        return layers[layers.Length - 1].Activation == Activation.Softmax ? Loss.SoftmaxCrossEntropy : Loss.MeanSquaredError;
    }

    private static void CheckActivationParameters(OnnxDenseLayer layer)
    {
        if (layer.Activation == Activation.LeakyReLU && !(layer.LeakySlope > 0.0 && layer.LeakySlope < 1.0))
        {
            throw new OnnxImportError(OnnxImportProblem.ArchitectureRule, $"Node '{layer.ActivationNode}' has the leaky ReLU slope {Real(layer.LeakySlope)}; NetGen's LeakyReLU needs a slope in (0, 1)", layer.ActivationNode, ruleActivation: Activation.LeakyReLU);
        }

        if (layer.Activation == Activation.ELU && !(layer.Alpha > 0.0 && layer.Alpha <= double.MaxValue))
        {
            throw new OnnxImportError(OnnxImportProblem.ArchitectureRule, $"Node '{layer.ActivationNode}' has the ELU alpha {Real(layer.Alpha)}; NetGen's ELU needs a finite alpha greater than 0", layer.ActivationNode, ruleActivation: Activation.ELU);
        }
    }

    private void CheckActivationPlace(ActivationMatch activation, bool isOutput, long[] dims)
    {
        if (activation.Kind != Activation.Softmax)
        {
            return;
        }

        if (!isOutput)
        {
            throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"{Cap(Describe(activation.Node))} is on a hidden layer; NetGen allows Softmax only on the output layer", activation.Node.DisplayName);
        }

        long axis = activation.Node.Attribute("axis")?.I ?? (_index.Opset < 13 ? 1 : -1);
        if (dims.Length != 1 || (axis != 1 && axis != -1))
        {
            throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"{Cap(Describe(activation.Node))} normalizes over axis {ProtobufReader.Number(axis)} of a [batch, {string.Join(", ", Texts(dims))}] tensor; NetGen's Softmax is over the features of each sample (axis 1 or -1 of [batch, features])", activation.Node.DisplayName);
        }
    }

    // ----- Dense layers ----------------------------------------------------------------------------------------------

    private void ReadDenseShape(DenseNode dense, long[] dims, int index)
    {
        var node = dense.Node;
        var shape = _index.ConstantShape(dense.Weight, node.Index)!;
        string weightName = dense.Weight;
        if (shape.Length != 2)
        {
            throw new OnnxImportError(OnnxImportProblem.WeightShape, $"{Cap(Describe(node))} multiplies by the weight '{weightName}' of shape {OnnxTensorData.ShapeText(shape)}; a dense layer's weight must be 2-D", node.DisplayName, weightName);
        }

        long inputs = dense.Transposed ? shape[1] : shape[0];
        long outputs = dense.Transposed ? shape[0] : shape[1];
        foreach (long size in new[] { inputs, outputs })
        {
            if (size < 1 || size > NetworkLimits.MaxLayerSize)
            {
                throw new OnnxImportError(OnnxImportProblem.HostileSize, $"{Cap(Describe(node))} has the weight '{weightName}' of shape {OnnxTensorData.ShapeText(shape)}; a NetGen layer has between 1 and {ProtobufReader.Number(NetworkLimits.MaxLayerSize)} inputs and outputs", node.DisplayName, weightName);
            }
        }

        if (dims.Length != 1)
        {
            throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"{Cap(Describe(node))} is applied to a [batch, {string.Join(", ", Texts(dims))}] tensor; a dense layer needs [batch, features]: flatten the input first (Flatten or Reshape)", node.DisplayName);
        }

        if (dims[0] != inputs)
        {
            string what = index == 0 ? $"the network's input has {ProtobufReader.Number(dims[0])} features per sample" : $"the previous layer has {ProtobufReader.Number(dims[0])} outputs";
            throw new OnnxImportError(OnnxImportProblem.WeightShape, $"{Cap(Describe(node))} has the weight '{weightName}' of shape {OnnxTensorData.ShapeText(shape)} ({(dense.Transposed ? "[out, in]" : "[in, out]")}: {ProtobufReader.Number(inputs)} inputs), but {what}", node.DisplayName, weightName);
        }

        dense.WeightShape = shape;
        dense.InputSize = (int)inputs;
        dense.OutputSize = (int)outputs;
        if (dense.Bias is { } bias)
        {
            var biasShape = _index.ConstantShape(bias, node.Index)!;
            if (!BiasFits(biasShape, outputs))
            {
                throw new OnnxImportError(OnnxImportProblem.WeightShape, $"{Cap(Describe(node))} has the bias '{bias}' of shape {OnnxTensorData.ShapeText(biasShape)}, which does not broadcast to one value per output ([{ProtobufReader.Number(outputs)}] or [1, {ProtobufReader.Number(outputs)}])", node.DisplayName, bias);
            }
        }
    }

    private static bool BiasFits(long[] shape, long outputs) => shape.Length switch
    {
        0 => true,
        1 => shape[0] == 1 || shape[0] == outputs,
        2 => shape[0] == 1 && (shape[1] == 1 || shape[1] == outputs),
        _ => false,
    };

    // Decodes W into NetGen's [out, in] layout (scaled by Gemm's alpha) and b (scaled by beta, broadcast); returns the
    // bias tensor's name.
    private string? DecodeDense(DenseNode dense, ArraySegment<double> weights, ArraySegment<double> biases)
    {
        var node = dense.Node;
        var weight = _index.Constant(dense.Weight, node);
        RequireReal(weight, node);
        RequireFinite(weight, node);
        int inputs = dense.InputSize, outputs = dense.OutputSize;
        var w = weights.Array!;
        for (int j = 0; j < outputs; j++)
        {
            int row = weights.Offset + j * inputs;
            for (int k = 0; k < inputs; k++)
            {
                double value = dense.Transposed ? weight.Values[j * inputs + k] : weight.Values[k * outputs + j];
                w[row + k] = dense.Alpha == 1.0 ? value : dense.Alpha * value;
            }
        }

        if (dense.Bias is not { } biasName)
        {
            return null;
        }

        var bias = _index.Constant(biasName, node);
        RequireReal(bias, node);
        RequireFinite(bias, node);
        var b = biases.Array!;
        for (int j = 0; j < outputs; j++)
        {
            double value = bias.Values[bias.Values.Length == 1 ? 0 : j];
            b[biases.Offset + j] = dense.Beta == 1.0 ? value : dense.Beta * value;
        }

        return bias.Name;
    }

    private static void RequireReal(ConstantTensor tensor, OnnxNode node)
    {
        if (!OnnxTensorData.IsReal(tensor.DataType))
        {
            throw new OnnxImportError(OnnxImportProblem.UnsupportedDataType, $"{Cap(Describe(node))} uses the tensor '{tensor.Name}' of {OnnxTensorData.TypeName(tensor.DataType)}; NetGen reads weights of FLOAT, DOUBLE, FLOAT16 or BFLOAT16", node.DisplayName, tensor.Name);
        }
    }

    private static void RequireFinite(ConstantTensor tensor, OnnxNode node)
    {
        for (int i = 0; i < tensor.Values.Length; i++)
        {
            double value = tensor.Values[i];
            if (double.IsNaN(value) || double.IsInfinity(value))
            {
                throw new OnnxImportError(OnnxImportProblem.NonFiniteValue, $"Tensor '{tensor.Name}' (used by {Describe(node)}) has {NonFinite(value)} at element {ElementText(i, tensor.Dims)}; weights must be finite", node.DisplayName, tensor.Name);
            }
        }
    }

    private static void RequireFinite(ArraySegment<double> weights, ArraySegment<double> biases, DenseNode dense, int index, bool folded)
    {
        foreach (var (segment, what) in new[] { (weights, "weight"), (biases, "bias") })
        {
            for (int i = 0; i < segment.Count; i++)
            {
                double value = segment.Array![segment.Offset + i];
                if (double.IsNaN(value) || double.IsInfinity(value))
                {
                    string element = what == "weight" ? $"[{ProtobufReader.Number(i / dense.InputSize)}, {ProtobufReader.Number(i % dense.InputSize)}]" : $"[{ProtobufReader.Number(i)}]";
                    string cause = folded ? " after folding the scales and shifts around it (a zero or tiny divisor or variance, or values too large)" : string.Empty;
                    throw new OnnxImportError(OnnxImportProblem.NonFiniteValue, $"Dense layer {ProtobufReader.Number(index + 1)} ({Describe(dense.Node)}) has {NonFinite(value)} as its {what} {element}{cause}; weights must be finite", dense.Node.DisplayName, dense.Weight);
                }
            }
        }
    }

    private static string NonFinite(double value) => double.IsNaN(value) ? "NaN" : value > 0 ? "+infinity" : "-infinity";

    private static string ElementText(int index, long[] dims)
    {
        if (dims.Length == 0)
        {
            return "[]";
        }

        var parts = new string[dims.Length];
        long rest = index;
        for (int d = dims.Length - 1; d >= 0; d--)
        {
            parts[d] = ProtobufReader.Number(dims[d] == 0 ? 0 : rest % dims[d]);
            rest = dims[d] == 0 ? 0 : rest / dims[d];
        }

        return "[" + string.Join(", ", parts) + "]";
    }

    // ----- Shapes ------------------------------------------------------------------------------------------------------

    // Applies steps (listed outermost first) in forward order to the per-sample dims, checking every constant's shape.
    private long[] ShapePass(List<Step> steps, long[] dims)
    {
        for (int i = steps.Count - 1; i >= 0; i--)
        {
            var step = steps[i];
            switch (step.Kind)
            {
                case StepKind.Flatten:
                    dims = Flatten(step.Node, dims);
                    break;
                case StepKind.Reshape:
                    dims = Reshape(step.Node, dims);
                    break;
                case StepKind.BatchNormalization:
                    for (int input = 1; input < 5; input++)
                    {
                        var shape = _index.ConstantShape(step.Node.Inputs[input], step.Node.Index)!;
                        if (shape.Length != 1 || shape[0] != dims[0])
                        {
                            throw new OnnxImportError(OnnxImportProblem.WeightShape, $"{Cap(Describe(step.Node))} has the statistic '{step.Node.Inputs[input]}' of shape {OnnxTensorData.ShapeText(shape)}, but its input has {ProtobufReader.Number(dims[0])} channels ([batch, {string.Join(", ", Texts(dims))}])", step.Node.DisplayName, step.Node.Inputs[input]);
                        }
                    }

                    break;
                case StepKind.Add:
                case StepKind.Subtract:
                case StepKind.SubtractFrom:
                case StepKind.Multiply:
                case StepKind.Divide:
                    CheckBroadcast(_index.ConstantShape(step.Constant!, step.Node.Index)!, dims, step);
                    break;
            }
        }

        return dims;
    }

    private static long[] Flatten(OnnxNode node, long[] dims)
    {
        long axis = node.Attribute("axis")?.I ?? 1;
        int rank = dims.Length + 1;
        if (axis < 0)
        {
            axis += rank;
        }

        if (axis != 1)
        {
            throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"{Cap(Describe(node))} flattens at axis {ProtobufReader.Number(axis)} of a [batch, {string.Join(", ", Texts(dims))}] tensor, which mixes samples; NetGen reads Flatten at axis 1, to [batch, features]", node.DisplayName);
        }

        return [Product(dims)];
    }

    private long[] Reshape(OnnxNode node, long[] dims)
    {
        string shapeValue = node.Input(1);
        if (shapeValue.Length == 0)
        {
            throw new OnnxImportError(OnnxImportProblem.InvalidModel, $"{Cap(Describe(node))} has no shape input", node.DisplayName);
        }

        var target = EvaluateShape(shapeValue, node, node.Input(0), dims, 0);
        bool allowZero = (node.Attribute("allowzero")?.I ?? 0) != 0;
        long features = Product(dims);
        var result = new long[target.Length];
        int inferred = -1;
        for (int i = 0; i < target.Length; i++)
        {
            long entry = target[i];
            if (entry == 0 && !allowZero)
            {
                entry = i == 0 ? Batch : i - 1 < dims.Length ? dims[i - 1] : throw BadReshape(node, target, dims);
            }

            if (entry == -1)
            {
                if (inferred >= 0)
                {
                    throw BadReshape(node, target, dims);
                }

                inferred = i;
            }
            else if (entry == Batch ? i != 0 : entry < 1)
            {
                throw BadReshape(node, target, dims);
            }

            result[i] = entry;
        }

        if (result.Length < 2)
        {
            throw BadReshape(node, target, dims);
        }

        if (result[0] != Batch && result[0] != -1 && result[0] != _fixedBatch)
        {
            throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"{Cap(Describe(node))} reshapes to [{string.Join(", ", Texts(target))}], fixing the batch size at {ProtobufReader.Number(result[0])}{(_fixedBatch is null ? " although the input's batch is dynamic" : string.Empty)}; NetGen reads reshapes that keep the batch, such as [-1, features]", node.DisplayName);
        }

        var perSample = new long[result.Length - 1];
        long known = 1;
        for (int i = 1; i < result.Length; i++)
        {
            perSample[i - 1] = result[i];
            if (result[i] != -1)
            {
                known *= result[i];
                if (known > features)
                {
                    throw BadReshape(node, target, dims);
                }
            }
        }

        if (inferred > 0)
        {
            if (features % known != 0)
            {
                throw BadReshape(node, target, dims);
            }

            perSample[inferred - 1] = features / known;
        }
        else if (known != features)
        {
            throw BadReshape(node, target, dims);
        }

        return perSample;
    }

    private OnnxImportError BadReshape(OnnxNode node, long[] target, long[] dims) =>
        new(OnnxImportProblem.UnsupportedUse, $"{Cap(Describe(node))} reshapes a [batch, {string.Join(", ", Texts(dims))}] tensor to [{string.Join(", ", Texts(target))}]; NetGen reads reshapes that keep the batch dimension first and each sample's {ProtobufReader.Number(Product(dims))} features, such as [-1, {ProtobufReader.Number(Product(dims))}]", node.DisplayName);

    // The integer vector a Reshape's shape input evaluates to, with Batch for the symbolic batch dimension: a constant, or
    // what exporters compute for x.view(x.size(0), -1): Concat(Unsqueeze(Gather(Shape(x), 0)), [-1]).
    private long[] EvaluateShape(string value, OnnxNode consumer, string reshaped, long[] reshapedDims, int depth)
    {
        if (depth > 16)
        {
            throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"The shape of {Describe(consumer)} is computed by a chain of more than 16 nodes, which NetGen does not evaluate", consumer.DisplayName);
        }

        if (_index.IsConstant(value, consumer.Index))
        {
            var constant = _index.Constant(value, consumer);
            if (constant.Dims.Length > 1)
            {
                throw new OnnxImportError(OnnxImportProblem.InvalidModel, $"{Cap(Describe(consumer))} takes the shape '{value}' of shape {OnnxTensorData.ShapeText(constant.Dims)}; a shape is a vector", consumer.DisplayName, value);
            }

            var values = new long[constant.Values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (long)constant.Values[i];
            }

            return values;
        }

        var node = _index.RequireProducer(value, consumer);
        switch (node.OpType)
        {
            case "Shape" when node.Input(0) == _input.Name || node.Input(0) == reshaped:
                var source = node.Input(0) == _input.Name ? _inputDims : reshapedDims;
                var full = new long[source.Length + 1];
                full[0] = Batch;
                Array.Copy(source, 0, full, 1, source.Length);
                long start = node.Attribute("start")?.I ?? 0, end = node.Attribute("end")?.I ?? full.Length;
                start = Math.Max(0, Math.Min(full.Length, start < 0 ? start + full.Length : start));
                end = Math.Max(start, Math.Min(full.Length, end < 0 ? end + full.Length : end));
                var sliced = new long[end - start];
                Array.Copy(full, start, sliced, 0, sliced.Length);
                return sliced;
            case "Gather" when (node.Attribute("axis")?.I ?? 0) == 0:
                var data = EvaluateShape(node.Input(0), node, reshaped, reshapedDims, depth + 1);
                var indices = _index.Constant(node.Input(1), node).Values;
                var picked = new long[indices.Length];
                for (int i = 0; i < indices.Length; i++)
                {
                    long at = (long)indices[i];
                    at = at < 0 ? at + data.Length : at;
                    if (at < 0 || at >= data.Length)
                    {
                        throw new OnnxImportError(OnnxImportProblem.InvalidModel, $"{Cap(Describe(node))} gathers index {ProtobufReader.Number((long)indices[i])} from a shape of rank {ProtobufReader.Number(data.Length)}", node.DisplayName);
                    }

                    picked[i] = data[at];
                }

                return picked;
            case "Unsqueeze":
            case "Squeeze":
            case "Identity":
            case "Cast":
                return EvaluateShape(node.Input(0), node, reshaped, reshapedDims, depth + 1);
            case "Concat" when (node.Attribute("axis")?.I ?? 0) is 0 or -1:
                var parts = new List<long>();
                foreach (string input in node.Inputs)
                {
                    parts.AddRange(EvaluateShape(input, node, reshaped, reshapedDims, depth + 1));
                }

                return parts.ToArray();
            default:
                throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"The shape of {Describe(consumer)} is computed by {Describe(node)}, which NetGen does not evaluate; it reads constant shapes and Shape → Gather → Unsqueeze → Concat, as x.view(x.size(0), -1) exports", node.DisplayName);
        }
    }

    // Numpy-style broadcasting of a constant against [batch, dims…], allowed only when the result keeps that shape and
    // the constant is the same for every sample.
    private static void CheckBroadcast(long[] constant, long[] dims, Step step)
    {
        int rank = dims.Length + 1;
        bool fits = constant.Length <= rank;
        for (int i = 0; fits && i < constant.Length; i++)
        {
            int axis = rank - constant.Length + i;
            long c = constant[i];
            fits = axis == 0 ? c == 1 : c == 1 || c == dims[axis - 1];
        }

        if (!fits)
        {
            throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"{Cap(Describe(step.Node))} combines the data [batch, {string.Join(", ", Texts(dims))}] with the constant '{step.Constant}' of shape {OnnxTensorData.ShapeText(constant)}, which is not one value per feature; NetGen folds only per-feature scales and shifts", step.Node.DisplayName, step.Constant);
        }
    }

    // ----- Folding -----------------------------------------------------------------------------------------------------

    // The per-feature affine map x ↦ scale ⊙ x + shift of steps (outermost first) applied in forward order from dims; null
    // scale or shift when it is the identity's (so an unaffected layer keeps its weights bitwise), and the dims after.
    private (double[]? Scale, double[]? Shift, long[] Dims) Compose(List<Step> steps, long[] dims)
    {
        double[]? scale = null, shift = null;
        int features = (int)Product(dims);
        for (int i = steps.Count - 1; i >= 0; i--)
        {
            var step = steps[i];
            switch (step.Kind)
            {
                case StepKind.Flatten:
                    dims = Flatten(step.Node, dims);
                    break;
                case StepKind.Reshape:
                    dims = Reshape(step.Node, dims);
                    break;
                case StepKind.Negate:
                    scale = Map(scale, features, 1.0, s => -s);
                    shift = shift is null ? null : Map(shift, features, 0.0, t => -t);
                    break;
                case StepKind.Scale:
                    scale = Map(scale, features, 1.0, s => s * step.Factor);
                    shift = shift is null ? null : Map(shift, features, 0.0, t => t * step.Factor);
                    break;
                case StepKind.BatchNormalization:
                    FoldBatchNormalization(step.Node, dims, features, ref scale, ref shift);
                    break;
                case StepKind.PassThrough:
                    break;
                default:
                    var c = Expand(_index.Constant(step.Constant!, step.Node), dims, step);
                    switch (step.Kind)
                    {
                        case StepKind.Add:
                            shift = Combine(shift, features, 0.0, c, (t, v) => t + v);
                            break;
                        case StepKind.Subtract:
                            shift = Combine(shift, features, 0.0, c, (t, v) => t - v);
                            break;
                        case StepKind.SubtractFrom:
                            scale = Map(scale, features, 1.0, s => -s);
                            shift = Combine(shift, features, 0.0, c, (t, v) => v - t);
                            break;
                        case StepKind.Multiply:
                            scale = Combine(scale, features, 1.0, c, (s, v) => s * v);
                            shift = shift is null ? null : Combine(shift, features, 0.0, c, (t, v) => t * v);
                            break;
                        default:
                            scale = Combine(scale, features, 1.0, c, (s, v) => s / v);
                            shift = shift is null ? null : Combine(shift, features, 0.0, c, (t, v) => t / v);
                            break;
                    }

                    break;
            }
        }

        return (scale, shift, dims);
    }

    private void FoldBatchNormalization(OnnxNode node, long[] dims, int features, ref double[]? scale, ref double[]? shift)
    {
        var gamma = _index.Constant(node.Inputs[1], node).Values;
        var beta = _index.Constant(node.Inputs[2], node).Values;
        var mean = _index.Constant(node.Inputs[3], node).Values;
        var variance = _index.Constant(node.Inputs[4], node).Values;
        double epsilon = node.Attribute("epsilon")?.F ?? 1e-5f;
        long channels = dims[0];
        long inner = features / channels;
        scale ??= Filled(features, 1.0);
        shift ??= Filled(features, 0.0);
        for (int f = 0; f < features; f++)
        {
            long channel = f / inner;
            // y = γ (x − μ) / √(σ² + ε) + β = k x + (β − μ k), k = γ / √(σ² + ε).
            double k = gamma[channel] / Math.Sqrt(variance[channel] + epsilon);
            scale[f] *= k;
            shift[f] = shift[f] * k + (beta[channel] - mean[channel] * k);
        }

        _notes.Add($"BatchNormalization '{node.DisplayName}' was folded into the neighbouring dense layer");
    }

    // The constant broadcast to one value per feature of [batch, dims…] (its shape already checked by ShapePass).
    private static double[] Expand(ConstantTensor constant, long[] dims, Step step)
    {
        CheckBroadcast(constant.Dims, dims, step);
        int features = (int)Product(dims);
        if (constant.IsSingle)
        {
            return Filled(features, constant.Values[0]);
        }

        // Stride of each per-sample axis in the constant (0 where it broadcasts), aligned to the right.
        int rank = dims.Length;
        var strides = new long[rank];
        long stride = 1;
        for (int i = constant.Dims.Length - 1; i >= 0; i--)
        {
            int axis = rank - (constant.Dims.Length - i);
            if (axis >= 0)
            {
                strides[axis] = constant.Dims[i] == 1 ? 0 : stride;
            }

            stride *= constant.Dims[i];
        }

        var result = new double[features];
        var counter = new long[rank];
        long at = 0;
        for (int f = 0; f < features; f++)
        {
            result[f] = constant.Values[at];
            for (int axis = rank - 1; axis >= 0; axis--)
            {
                at += strides[axis];
                if (++counter[axis] < dims[axis])
                {
                    break;
                }

                at -= strides[axis] * counter[axis];
                counter[axis] = 0;
            }
        }

        return result;
    }

    // x = s ⊙ a + t feeding z = W x + b: W' = W diag(s), b' = b + W t.
    private static bool FoldIntoInputs(ArraySegment<double> weights, ArraySegment<double> biases, int inputs, int outputs, double[]? scale, double[]? shift)
    {
        var w = weights.Array!;
        var b = biases.Array!;
        if (shift is not null)
        {
            for (int j = 0; j < outputs; j++)
            {
                double sum = 0;
                int row = weights.Offset + j * inputs;
                for (int k = 0; k < inputs; k++)
                {
                    sum += w[row + k] * shift[k];
                }

                b[biases.Offset + j] += sum;
            }
        }

        if (scale is not null)
        {
            for (int j = 0; j < outputs; j++)
            {
                int row = weights.Offset + j * inputs;
                for (int k = 0; k < inputs; k++)
                {
                    w[row + k] *= scale[k];
                }
            }
        }

        return scale is not null || shift is not null;
    }

    // z' = s ⊙ z + t after z = W x + b: W' = diag(s) W, b' = s ⊙ b + t.
    private static bool FoldIntoOutputs(ArraySegment<double> weights, ArraySegment<double> biases, int inputs, int outputs, double[]? scale, double[]? shift)
    {
        var w = weights.Array!;
        var b = biases.Array!;
        for (int j = 0; j < outputs; j++)
        {
            if (scale is not null)
            {
                int row = weights.Offset + j * inputs;
                for (int k = 0; k < inputs; k++)
                {
                    w[row + k] *= scale[j];
                }

                b[biases.Offset + j] *= scale[j];
            }

            if (shift is not null)
            {
                b[biases.Offset + j] += shift[j];
            }
        }

        return scale is not null || shift is not null;
    }

    private static double[] Map(double[]? values, int count, double identity, Func<double, double> map)
    {
        var result = values ?? Filled(count, identity);
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = map(result[i]);
        }

        return result;
    }

    private static double[] Combine(double[]? values, int count, double identity, double[] constant, Func<double, double, double> combine)
    {
        var result = values ?? Filled(count, identity);
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = combine(result[i], constant[i]);
        }

        return result;
    }

    private static double[] Filled(int count, double value)
    {
        var result = new double[count];
        for (int i = 0; i < count; i++)
        {
            result[i] = value;
        }

        return result;
    }

    private static long Product(long[] dims)
    {
        long product = 1;
        foreach (long d in dims)
        {
            product *= d;
        }

        return product;
    }

    private static string[] Texts(long[] values)
    {
        var texts = new string[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            texts[i] = values[i] == Batch ? "batch" : ProtobufReader.Number(values[i]);
        }

        return texts;
    }

    private static string Nodes(List<Step> steps)
    {
        var names = new List<string>();
        for (int i = steps.Count - 1; i >= 0; i--)
        {
            if (steps[i].Kind is not (StepKind.PassThrough or StepKind.Flatten or StepKind.Reshape))
            {
                names.Add($"{steps[i].Node.OpType} '{steps[i].Node.DisplayName}'");
            }
        }

        return string.Join(", ", names);
    }

    private static string Real(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
