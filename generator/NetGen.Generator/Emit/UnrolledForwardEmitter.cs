using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// Writes the forward pass of a tiny network as straight-line code over locals with constant parameter offsets
/// (references, so no bounds checks). In single precision a layer with two or four inputs computes four neurons per
/// Vector128, and runs of scalar z whose activation is a polynomial are activated four or eight at a time.
/// </summary>
internal sealed class UnrolledForwardEmitter
{
    private const string V = TypeNames.Vector128;
    private const string Vf = TypeNames.Vector128Float;

    private readonly SourceWriter _w;
    private readonly EmitContext _c;

    // The current layer's inputs: names of locals, or expressions that read them (lanes of a vector).
    private List<string> _inputs = [];

    // The Vector128 that holds the current layer's four inputs as they are, when the layer before packed them.
    private string? _packed;

    private UnrolledForwardEmitter(SourceWriter w, EmitContext c)
    {
        _w = w;
        _c = c;
    }

    public static void Write(SourceWriter w, EmitContext c) => new UnrolledForwardEmitter(w, c).Write();

    private NetworkModel Model => _c.Model;

    private void Write()
    {
        string t = _c.T;
        _w.Block($"""
            ref {t} wr = ref _parameters.Reference;
            ref {t} xr = ref {TypeNames.MemoryMarshal}.GetReference(input);
            ref {t} yr = ref {TypeNames.MemoryMarshal}.GetReference(output);
            """);
        if (!UsesVectors(0))
        {
            _inputs = Enumerable.Range(0, Model.InputSize).Select(k => "x" + MathText.Int(k)).ToList();
            _w.Line(string.Join(" ", _inputs.Select((name, k) => $"{t} {name} = {CodeText.Element("xr", k)};")));
        }

        for (int l = 0; l < Model.Layers.Count; l++)
        {
            WriteLayer(l);
        }
    }

    private void WriteLayer(int l)
    {
        var layer = Model.Layers[l];
        bool softmax = !Activations.Of(layer).IsElementwise;
        string n = MathText.Int(l + 1);
        _w.Line();
        CodeText.LayerComment(_w, Model, l);
        var zs = new List<string>();
        var activations = new List<string>();
        string? nextPacked = null;
        int j = UsesVectors(l) ? WriteFourNeuronsAtATime(l, zs, activations, out nextPacked) : 0;
        for (; j < layer.Size; j++)
        {
            int inputs = Model.InputSizeOf(l);
            string z = $"z{n}_{MathText.Int(j)}";
            zs.Add(z);
            var terms = Enumerable.Range(0, inputs).Select(k => $"{CodeText.Element("wr", Model.WeightsOffsetOf(l) + j * inputs + k)} * {_inputs[k]}");
            _w.Line($"{_c.T} {z} = {string.Join(" + ", terms)} + {CodeText.Element("wr", Model.BiasesOffsetOf(l) + j)};");
        }

        int vectorized = layer.Size - zs.Count;
        activations.AddRange(softmax ? SoftmaxEmitter.WriteOverScalars(_w, _c.T, n, zs) : Activate(layer, n, zs));

        // The vectorised neurons [0, vectorized) were stored (output) or named (hidden) above; softmax reads them all.
        int first = softmax ? 0 : vectorized;
        _inputs = activations.Take(first).ToList();
        for (int k = first; k < layer.Size; k++)
        {
            if (l == Model.Layers.Count - 1)
            {
                _w.Line($"{CodeText.Element("yr", k)} = {activations[k]};");
            }
            else
            {
                string a = $"a{n}_{MathText.Int(k)}";
                _w.Line($"{_c.T} {a} = {activations[k]};");
                _inputs.Add(a);
            }
        }

        _packed = nextPacked;
    }

    // Four neurons per Vector128: the products of their rows with the input in two (two inputs: the pair repeated) or four
    // vectors, then horizontal adds. Shorter dependency chains than scalar sums, which is what bounds networks this
    // small. Returns the number of neurons done; their activations are stored (output), named, or (softmax) their z
    // named for the softmax. With four inputs, the rest of the layer's z come from the same packed input.
    private int WriteFourNeuronsAtATime(int l, List<string> zs, List<string> activations, out string? nextPacked)
    {
        var layer = Model.Layers[l];
        var activation = Activations.Of(layer);
        bool isOutput = l == Model.Layers.Count - 1;
        string n = MathText.Int(l + 1);
        int inputs = Model.InputSizeOf(l);
        int weights = Model.WeightsOffsetOf(l);
        int biases = Model.BiasesOffsetOf(l);
        nextPacked = null;
        string xv = _packed ?? "xv" + n;
        if (_packed is null)
        {
            string source = inputs == 4
                ? (l == 0 ? $"{V}.LoadUnsafe(ref xr)" : $"{V}.Create({string.Join(", ", _inputs)})")
                : l == 0
                    ? $"{V}.AsSingle({V}.Create({TypeNames.Unsafe}.ReadUnaligned<double>(ref {TypeNames.Unsafe}.As<float, byte>(ref xr))))"
                    : $"{V}.Create({_inputs[0]}, {_inputs[1]}, {_inputs[0]}, {_inputs[1]})";
            _w.Line($"{Vf} {xv} = {source};");
        }

        if (_inputs.Count == 0)
        {
            _inputs.AddRange(Enumerable.Range(0, inputs).Select(k => $"{V}.GetElement({xv}, {MathText.Int(k)})"));
        }

        int j = 0;
        for (; j + 4 <= layer.Size; j += 4)
        {
            string sums = inputs == 2
                ? MathText.Call("PairSums", $"{Load(weights + 2 * j)} * {xv}", $"{Load(weights + 2 * j + 4)} * {xv}")
                : MathText.Call("HorizontalSums", Enumerable.Range(0, 4).Select(r => $"{Load(weights + 4 * (j + r))} * {xv}").ToArray());
            string zq = $"zq{n}_{MathText.Int(j)}";
            _w.Line($"{Vf} {zq} = {sums} + {Load(biases + j)};");
            if (!activation.IsElementwise)
            {
                zs.AddRange(NameLanes(zq, $"z{n}_", j));
                continue;
            }

            string a = activation.Forward(MathText.Vector128, layer, zq);
            if (isOutput)
            {
                _w.Line($"{V}.StoreUnsafe({a}, ref yr, {MathText.Int(j)});");
                activations.AddRange(Enumerable.Repeat(string.Empty, 4));
                continue;
            }

            string aq = $"aq{n}_{MathText.Int(j)}";
            _w.Line($"{Vf} {aq} = {a};");
            if (layer.Size == 4)
            {
                // The next layer has four inputs and reads this vector as it is.
                nextPacked = aq;
                activations.AddRange(Enumerable.Range(0, 4).Select(lane => $"{V}.GetElement({aq}, {MathText.Int(lane)})"));
                continue;
            }

            activations.AddRange(NameLanes(aq, $"a{n}_", j));
        }

        for (; inputs == 4 && j < layer.Size; j++)
        {
            string z = $"z{n}_{MathText.Int(j)}";
            _w.Line($"float {z} = {MathText.Call("HorizontalSum", $"{Load(weights + 4 * j)} * {xv}")} + {CodeText.Element("wr", biases + j)};");
            zs.Add(z);
        }

        return j;
    }

    // float name_{first + lane} = lane of vector, for its four lanes; returns the names.
    private List<string> NameLanes(string vector, string prefix, int first)
    {
        var names = new List<string>();
        for (int lane = 0; lane < 4; lane++)
        {
            string name = prefix + MathText.Int(first + lane);
            _w.Line($"float {name} = {V}.GetElement({vector}, {MathText.Int(lane)});");
            names.Add(name);
        }

        return names;
    }

    // a = σ(z) for scalar z. In single precision a polynomial activation runs on packed lanes: four or eight neurons for
    // the price of one.
    private List<string> Activate(DenseLayerModel layer, string n, List<string> zs)
    {
        var activation = Activations.Of(layer);
        var activations = new List<string>();
        int k = 0;
        for (int width = 8; width >= 4 && !_c.IsDouble && activation.IsTranscendental && zs.Count >= 4; width -= 4)
        {
            var form = MathText.FloatVector(width);
            string vector = width == 8 ? TypeNames.Vector256 : V;
            for (; k + width <= zs.Count; k += width)
            {
                string packedZ = $"v{n}_{MathText.Int(k)}";
                _w.Line($"{form.T} {packedZ} = {activation.Forward(form, layer, $"{vector}.Create({string.Join(", ", zs.Skip(k).Take(width))})")};");
                activations.AddRange(Enumerable.Range(0, width).Select(lane => $"{vector}.GetElement({packedZ}, {MathText.Int(lane)})"));
            }
        }

        activations.AddRange(zs.Skip(k).Select(z => activation.Forward(_c.Math, layer, z)));
        return activations;
    }

    // Whether a float layer computes its neurons four at a time from its input in a Vector128: two inputs (the pair
    // repeated twice fills the vector) or four, for at least four neurons or from the packed activations of a four-wide
    // layer before it.
    private bool UsesVectors(int l)
    {
        int inputs = Model.InputSizeOf(l);
        int size = Model.Layers[l].Size;
        return !_c.IsDouble && ((inputs == 2 && size >= 4) || (inputs == 4 && (size >= 4 || _packed is not null)));
    }

    private static string Load(int offset) => $"{V}.LoadUnsafe(ref wr, {MathText.Int(offset)})";
}
