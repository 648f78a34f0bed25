using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using CsCheck;

namespace NetGen.Generator.Tests;

/// <summary>One random layer: its size, activation (possibly undefined), optional arguments and the dropout after it.</summary>
internal sealed record FuzzLayer(int Size, int Activation, string? LeakySlope, string? Alpha, string[] Dropouts);

/// <summary>One random [Network] declaration, written as source by <see cref="Source"/>.</summary>
internal sealed record FuzzNetwork(string? Namespace, string Name, int InputSize, string[] InputDropouts, FuzzLayer[] Layers, int? Loss, int? Precision)
{
    /// <summary>The declaration on one line, so that the line of a diagnostic says which network it is about.</summary>
    public string Source()
    {
        var text = new StringBuilder();
        if (Namespace is not null)
        {
            text.Append("namespace ").Append(Namespace).Append(" { ");
        }

        var arguments = new List<string>();
        if (Loss is { } loss)
        {
            arguments.Add("Loss = " + Enum<NetGen.Loss>(loss));
        }

        if (Precision is { } precision)
        {
            arguments.Add("Precision = " + Enum<NetGen.Precision>(precision));
        }

        text.Append("[Network(").Append(string.Join(", ", arguments)).Append(")]");
        text.Append("[Input(").Append(InputSize.ToString(CultureInfo.InvariantCulture)).Append(")]");
        AppendDropouts(text, InputDropouts);
        foreach (var layer in Layers)
        {
            text.Append("[Dense(").Append(layer.Size.ToString(CultureInfo.InvariantCulture)).Append(", ").Append(Enum<NetGen.Activation>(layer.Activation));
            text.Append(layer.LeakySlope is null ? string.Empty : ", LeakySlope = " + layer.LeakySlope);
            text.Append(layer.Alpha is null ? string.Empty : ", Alpha = " + layer.Alpha).Append(")]");
            AppendDropouts(text, layer.Dropouts);
        }

        text.Append(" internal partial class ").Append(Name).Append(';');
        if (Namespace is not null)
        {
            text.Append(" }");
        }

        return text.ToString();
    }

    /// <summary>The class's full name as reflection spells it (without the @ of escaped keywords).</summary>
    public string MetadataName => (Namespace is null ? string.Empty : Namespace.Replace("@", string.Empty, StringComparison.Ordinal) + ".") + Name.TrimStart('@');

    public long ParameterCount
    {
        get
        {
            long count = 0;
            long previous = InputSize;
            foreach (var layer in Layers)
            {
                count += (previous + 1) * layer.Size;
                previous = layer.Size;
            }

            return count;
        }
    }

    private static void AppendDropouts(StringBuilder text, string[] dropouts)
    {
        foreach (string keep in dropouts)
        {
            text.Append("[Dropout(").Append(keep).Append(")]");
        }
    }

    private static string Enum<T>(int value)
        where T : struct, System.Enum =>
        System.Enum.IsDefined(typeof(T), value) ? $"{typeof(T).Name}.{System.Enum.GetName(typeof(T), value)}" : $"({typeof(T).Name}){value.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>CsCheck generators of declarations: mostly valid networks, with every kind of mistake mixed in.</summary>
internal static class FuzzDeclarations
{
    /// <summary>
    /// The activations the interpreted engine implements, the oracle generated code is compared with. Probed rather than
    /// listed, so an activation joins the fuzzing as soon as both engines have it.
    /// </summary>
    public static readonly int[] ImplementedActivations = Enum.GetValues<Activation>().Where(IsImplemented).Select(a => (int)a).ToArray();

    private static readonly string[] Names = ["Net", "NET", "Model", "Réseau", "_x1", "@class", "@int", "@record", "@net", "Spec", "Forward", "Dense1Size", "Workspace", "A1", "ZL"];
    private static readonly string?[] Namespaces = [null, null, "Models", "models", "@event", "A.B", "A.@class"];
    private static readonly string[] Keeps = ["0.5", "0.8", "1", "1.0", "0", "1.5", "-0.5", "double.NaN", "1e-40", "3e-39", "1e-309", "0.999"];
    private static readonly string[] Slopes = ["0.2", "0.01", "0", "1", "-0.5", "double.NaN", "0.999", "double.PositiveInfinity"];
    private static readonly string[] Alphas = ["0.5", "1", "2", "0", "-1", "double.NaN", "double.PositiveInfinity", "double.Epsilon"];

    public static Gen<int> Size => Gen.Frequency(
        (40, Gen.Int[1, 8]),
        (8, Gen.Int[9, 80]),
        (2, Gen.OneOf(200, 300, 1000)),
        (2, Gen.OneOf(0, -1, 1 << 20, (1 << 20) + 1, 100_000)));

    public static Gen<int> Activation => Gen.Frequency(
        (30, Gen.OneOf(ImplementedActivations)),
        (1, Gen.OneOf(42)));

    public static Gen<string[]> Dropouts => Gen.Frequency(
        (12, Gen.OneOf(new[] { Array.Empty<string>() })),
        (6, Gen.OneOf(Keeps).Select(k => new[] { k })),
        (1, Gen.OneOf(Keeps).Array[2]));

    public static Gen<FuzzLayer> Layer => Gen.Select(
        Size,
        Activation,
        Gen.Frequency((8, Gen.OneOf(new string?[] { null })), (1, Gen.OneOf(Slopes).Select(s => (string?)s))),
        Gen.Frequency((8, Gen.OneOf(new string?[] { null })), (1, Gen.OneOf(Alphas).Select(s => (string?)s))),
        Dropouts,
        (size, activation, slope, alpha, dropouts) => new FuzzLayer(size, activation, slope, alpha, dropouts));

    /// <summary>Four networks in five are built to be valid (so that generated code is compiled and run), the fifth may break any rule.</summary>
    public static Gen<FuzzNetwork> Network => Gen.Frequency((4, ValidNetwork), (1, AnyNetwork));

    private static readonly string[] PlainNames = ["Net", "NET", "Model", "Réseau", "_x1", "@class", "@int", "@record", "@net", "A1", "ZL"];
    private static readonly string[] ValidKeeps = ["0.5", "0.8", "1", "0.999", "3e-39"];

    private static Gen<int> ValidSize => Gen.Frequency((40, Gen.Int[1, 8]), (8, Gen.Int[9, 80]), (1, Gen.OneOf(200, 300)));

    private static Gen<FuzzLayer> ValidLayer(bool output) => Gen.Select(
        ValidSize,
        Gen.OneOf(ImplementedActivations.Where(a => output || a != (int)NetGen.Activation.Softmax).ToArray()),
        Gen.OneOf("0.2", "0.01", "0.999"),
        Gen.OneOf("0.5", "1", "2.5"),
        Gen.Frequency((3, Gen.OneOf(new[] { Array.Empty<string>() })), (1, Gen.OneOf(ValidKeeps).Select(k => new[] { k }))),
        Gen.Bool,
        (size, activation, slope, alpha, dropouts, setArguments) => new FuzzLayer(
            size,
            activation,
            setArguments && activation == (int)NetGen.Activation.LeakyReLU ? slope : null,
            setArguments && activation == (int)NetGen.Activation.ELU ? alpha : null,
            output ? [] : dropouts));

    private static Gen<FuzzNetwork> ValidNetwork => Gen.Select(
        Gen.OneOf(Namespaces),
        Gen.OneOf(PlainNames),
        ValidSize,
        Gen.Frequency((4, Gen.OneOf(new[] { Array.Empty<string>() })), (1, Gen.OneOf(ValidKeeps).Select(k => new[] { k }))),
        ValidLayer(output: false).Array[0, 3],
        ValidLayer(output: true),
        Gen.Int[0, 3],
        Gen.Frequency((3, Gen.OneOf(new int?[] { null })), (1, Gen.OneOf<int?>(0, 1))),
        (ns, name, input, inputDropouts, hidden, output, lossChoice, precision) =>
        {
            FuzzLayer[] layers = [.. hidden, output];
            bool hasStep = layers.Any(l => l.Activation == (int)NetGen.Activation.Step);
            int? loss = hasStep || lossChoice == 0 ? null
                : output.Activation == (int)NetGen.Activation.Softmax && lossChoice == 2 ? 2
                : output.Activation == (int)NetGen.Activation.Sigmoid && lossChoice == 1 ? 1
                : 0;
            return new FuzzNetwork(ns, name, input, inputDropouts, layers, loss, precision);
        });

    private static Gen<FuzzNetwork> AnyNetwork => Gen.Select(
        Gen.OneOf(Namespaces),
        Gen.OneOf(Names),
        Size,
        Gen.Frequency((6, Gen.OneOf(new[] { Array.Empty<string>() })), (1, Dropouts)),
        Layer.Array[0, 5],
        Gen.Frequency((3, Gen.OneOf(new int?[] { null })), (4, Gen.Int[0, 2].Select(l => (int?)l)), (1, Gen.OneOf<int?>(9))),
        Gen.Frequency((6, Gen.OneOf(new int?[] { null })), (2, Gen.Int[0, 1].Select(p => (int?)p)), (1, Gen.OneOf<int?>(2))),
        (ns, name, input, inputDropouts, layers, loss, precision) => new FuzzNetwork(ns, name, input, inputDropouts, layers, loss, precision));

    /// <summary>Up to four networks for one compilation, each a distinct type (names may still collide ignoring case).</summary>
    public static Gen<FuzzNetwork[]> Program => Network.Array[1, 4].Select(networks =>
        networks.Select((n, i) => networks.Take(i).Any(o => o.MetadataName == n.MetadataName) ? n with { Name = n.Name.TrimStart('@') + "_" + i.ToString(CultureInfo.InvariantCulture) } : n).ToArray());

    public static string Source(IEnumerable<FuzzNetwork> networks) => "using NetGen;\n" + string.Join("\n", networks.Select(n => n.Source())) + "\n";

    private static bool IsImplemented(Activation activation)
    {
        try
        {
            var output = new double[1];
            new InterpretedNetwork<double>(new NetworkSpec(1, [new DenseLayerSpec(1, activation)], loss: null)).Forward([0.5], output);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
