using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// Writes the single-precision forward pass that keeps every hidden activation in Vector256 locals from layer to layer
/// (hidden layers a multiple of eight and at most <see cref="EmissionLimits.MaxRegisterWidth"/> wide): each block of
/// eight neurons is one call of a kernel that takes the previous layer's vectors as arguments. The output layer is
/// written block by block up to <see cref="EmissionLimits.MaxWrittenOutBlocks"/> blocks and loops beyond, so the
/// code stays bounded whatever its width.
/// </summary>
internal static class RegisterForwardEmitter
{
    private const string V = TypeNames.Vector256;
    private const string Vf = TypeNames.Vector256Float;

    public static void Write(SourceWriter w, EmitContext c)
    {
        var model = c.Model;
        w.Line("ref float wr = ref _parameters.Reference;");
        var previous = new List<string>();
        if (c.Plan.InputInRegisters)
        {
            w.Line($"ref float xr = ref {TypeNames.MemoryMarshal}.GetReference(input);");
            for (int b = 0; b < model.InputSize / 8; b++)
            {
                string x = "x" + MathText.Int(b);
                w.Line($"{Vf} {x} = {V}.LoadUnsafe(ref xr, {MathText.Int(8 * b)});");
                previous.Add(x);
            }
        }

        for (int l = 0; l < model.Layers.Count - 1; l++)
        {
            previous = WriteHiddenLayer(w, c, l, previous);
        }

        WriteOutputLayer(w, c, previous);
    }

    // z for a block of eight rows starting at row j: from the previous layer's vectors, or (first layer, input not in
    // registers) from the input span.
    private static string Rows8(EmitContext c, int l, int j, List<string> previous)
    {
        int inputs = c.Model.InputSizeOf(l);
        string offset = MathText.Int(c.Model.WeightsOffsetOf(l) + j * inputs);
        return previous.Count > 0
            ? $"{c.FloatKernels.RegisterRows8(previous.Count)}(ref {TypeNames.Unsafe}.Add(ref wr, {offset}), {string.Join(", ", previous)})"
            : $"{c.FloatKernels.DotRows8(inputs)}(w, {offset}, input, 0)";
    }

    private static List<string> WriteHiddenLayer(SourceWriter w, EmitContext c, int l, List<string> previous)
    {
        var layer = c.Model.Layers[l];
        string n = MathText.Int(l + 1);
        w.Line();
        CodeText.LayerComment(w, c.Model, l, ", kept in registers");
        for (int j = 0; j < layer.Size; j += 8)
        {
            w.Line($"{Vf} zv{n}_{MathText.Int(j / 8)} = {Rows8(c, l, j, previous)} + {V}.LoadUnsafe(ref wr, {MathText.Int(c.Model.BiasesOffsetOf(l) + j)});");
        }

        // The activations after all the layer's sums: the activation chains of its blocks then overlap, and the JIT keeps
        // the activation's constants in registers for a shorter stretch.
        var activations = new List<string>();
        for (int block = 0; block < layer.Size / 8; block++)
        {
            string a = $"a{n}_{MathText.Int(block)}";
            w.Line($"{Vf} {a} = {Activations.Of(layer).Forward(MathText.Vector256, layer, $"zv{n}_{MathText.Int(block)}")};");
            activations.Add(a);
        }

        return activations;
    }

    private static void WriteOutputLayer(SourceWriter w, EmitContext c, List<string> previous)
    {
        var model = c.Model;
        int l = model.Layers.Count - 1;
        var layer = model.Layers[l];
        var activation = Activations.Of(layer);
        string n = MathText.Int(l + 1);
        int inputs = model.InputSizeOf(l);
        int weights = model.WeightsOffsetOf(l);
        int biases = model.BiasesOffsetOf(l);
        bool softmaxInRegisters = c.Plan.ForwardSoftmax == SoftmaxPlacement.Registers;
        w.Line();
        CodeText.LayerComment(w, model, l);
        int blocks = layer.Size / 8;
        if (blocks > EmissionLimits.MaxWrittenOutBlocks)
        {
            // Too wide to write out block by block: one loop over the blocks (the softmax, if any, follows over the span).
            w.Open($"for (int j = 0; j < {MathText.Int(8 * blocks)}; j += 8)");
            w.Line($"{Vf} z = {c.FloatKernels.RegisterRows8(previous.Count)}(ref {TypeNames.Unsafe}.Add(ref wr, {MathText.Int(weights)} + j * {MathText.Int(inputs)}), {string.Join(", ", previous)}) + {V}.LoadUnsafe(ref wr, (nuint)({MathText.Int(biases)} + j));");
            w.Line($"{V}.StoreUnsafe({(activation.IsElementwise ? activation.Forward(MathText.Vector256, layer, "z") : "z")}, ref {TypeNames.MemoryMarshal}.GetReference(output), (nuint)j);");
            w.Close();
        }
        else
        {
            for (int block = 0; block < blocks; block++)
            {
                string z = $"zv{n}_{MathText.Int(block)}";
                w.Line($"{Vf} {z} = {Rows8(c, l, 8 * block, previous)} + {V}.LoadUnsafe(ref wr, {MathText.Int(biases + 8 * block)});");
                if (!softmaxInRegisters)
                {
                    w.Line($"{V}.StoreUnsafe({(activation.IsElementwise ? activation.Forward(MathText.Vector256, layer, z) : z)}, ref {TypeNames.MemoryMarshal}.GetReference(output), {MathText.Int(8 * block)});");
                }
            }
        }

        // The rest after the blocks of eight. A softmax in registers takes it as one vector (its lanes repeating the rest's
        // rows, its bias likewise); anything else, row by row.
        int j = 8 * blocks;
        if (softmaxInRegisters && j < layer.Size)
        {
            int rest = layer.Size - j;
            w.Line($"{Vf} zr{n} = {c.FloatKernels.RegisterRowsRest(rest, previous.Count)}(ref {TypeNames.Unsafe}.Add(ref wr, {MathText.Int(weights + j * inputs)}), {string.Join(", ", previous)}) + {RestBias(biases + j, rest)};");
            j = layer.Size;
        }

        for (; j < layer.Size; j++)
        {
            string z = $"z{n}_{MathText.Int(j)}";
            w.Line($"float {z} = {c.FloatKernels.RegisterRow(previous.Count)}(ref {TypeNames.Unsafe}.Add(ref wr, {MathText.Int(weights + j * inputs)}), {string.Join(", ", previous)}) + {CodeText.Element("wr", biases + j)};");
            w.Line($"output[{MathText.Int(j)}] = {(activation.IsElementwise ? activation.Forward(c.Math, layer, z) : z)};");
        }

        if (softmaxInRegisters)
        {
            SoftmaxEmitter.WriteInRegisters(w, n, layer.Size);
        }
        else if (!activation.IsElementwise)
        {
            SoftmaxEmitter.WriteOverSpan(w, c.Math, "output", "0", $"Dense{n}Size", layer.Size);
        }
    }

    // The rest's biases laid out as RegisterRowsRest lays out its rows. Loads only: they are off the dependency chain.
    private static string RestBias(int offset, int rest)
    {
        const string U = TypeNames.Unsafe;
        return rest switch
        {
            1 => $"{V}.Create({CodeText.Element("wr", offset)})",
            2 => $"{V}.AsSingle({V}.Create({U}.ReadUnaligned<double>(ref {U}.As<float, byte>(ref {U}.Add(ref wr, {MathText.Int(offset)})))))",
            4 => $"{V}.Create({TypeNames.Vector128}.LoadUnsafe(ref wr, {MathText.Int(offset)}), {TypeNames.Vector128}.LoadUnsafe(ref wr, {MathText.Int(offset)}))",
            _ => $"{V}.Create({string.Join(", ", Enumerable.Range(0, 8).Select(lane => CodeText.Element("wr", offset + FloatKernelEmitter.RestRow(rest, lane))))})",
        };
    }
}
