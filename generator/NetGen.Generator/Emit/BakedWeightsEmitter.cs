using System.Globalization;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// Writes the members of a network with baked weights (<c>[Network(Weights = "…")]</c>): the parameters as read-only
/// data in the assembly, a static accessor over them, and a parameter vector that starts as a copy of them; and, when
/// the file stores a feature scaler, the scaler and inference on raw features through it.
/// </summary>
/// <remarks>
/// The data is a <c>ReadOnlySpan&lt;ulong&gt;</c> over an array literal of constants, which the compiler stores as one
/// blob in the assembly's data section (no allocation, no static constructor). Each ulong holds 8 bytes of the
/// little-endian parameter bytes, so on a little-endian machine <c>MemoryMarshal.Cast</c> reinterprets the blob in
/// place. Words rather than single bytes keep the literal eight times shorter, and the compiler's time to bind an array
/// literal grows with its element count, so words compile several times faster than bytes.
/// </remarks>
internal static class BakedWeightsEmitter
{
    private const int WordsPerLine = 6;
    private const int ValuesPerLine = 8;

    // Raw features of up to this many inputs are scaled into a stack buffer (8 KB in double), more into a pooled array.
    private const int MaxStackInputs = 1024;

    public static void WriteParameters(SourceWriter w, EmitContext c, string t)
    {
        var model = c.Model;
        if (model.HasCompressedWeights)
        {
            CompressedWeightsEmitter.WriteBakedMembers(w, c);
        }
        else
        {
            WriteFullPrecisionParameters(w, model, t);
        }

        if (model.Weights!.Scaler is { } scaler)
        {
            WriteScaler(w, model, scaler, t);
        }
    }

    private static void WriteFullPrecisionParameters(SourceWriter w, NetworkModel model, string t)
    {
        var weights = model.Weights!;
        string decode = model.IsDouble
            ? $"values[i] = {TypeNames.BitConverter}.Int64BitsToDouble(unchecked((long)words[i]));"
            : $"values[i] = {TypeNames.BitConverter}.Int32BitsToSingle(unchecked((int)(words[i >> 1] >> ((i & 1) * 32))));";
        w.Block($$"""
            // Pinned, and starting on a cache-line boundary so that no 256-bit weight load straddles two lines.
            private readonly {{TypeNames.ParameterBuffer}}<{{t}}> _parameters = new(BakedParameters);

            /// <summary>The flat parameter vector (per dense layer: W row-major, then b). Starts as a copy of <see cref="BakedParameters"/>, the weights baked in from {{Xml(weights.FileName)}}.</summary>
            public {{TypeNames.Span}}<{{t}}> Parameters => _parameters.Span;

            /// <summary>
            /// The parameters baked into the assembly at build time from {{Xml(weights.FileName)}} ({{Xml(weights.DataTypes)}}, SHA-256 {{weights.Sha256}}),
            /// converted to {{t}} as <c>WeightsFile.Load</c> converts them. Read-only data: reading it allocates nothing and does no I/O.
            /// </summary>
            public static {{TypeNames.ReadOnlySpan}}<{{t}}> BakedParameters => {{TypeNames.BitConverter}}.IsLittleEndian
                ? {{TypeNames.MemoryMarshal}}.Cast<ulong, {{t}}>(BakedParameterWords).Slice(0, ParameterCount)
                : s_bakedParametersBigEndian ??= DecodeBakedParameters();

            /// <summary>Sets <see cref="Parameters"/> back to <see cref="BakedParameters"/>, e.g. after training from them.</summary>
            public void ResetToBakedParameters() => BakedParameters.CopyTo(_parameters.Span);

            private static {{t}}[]? s_bakedParametersBigEndian;

            // A big-endian machine reads the words as numbers, so it takes each parameter's bits out of them.
            private static {{t}}[] DecodeBakedParameters()
            {
                {{TypeNames.ReadOnlySpan}}<ulong> words = BakedParameterWords;
                var values = new {{t}}[ParameterCount];
                for (int i = 0; i < values.Length; i++)
                {
                    {{decode}}
                }

                return values;
            }
            """);
    }

    /// <summary>
    /// For a weights file with a <c>netgen.scaler</c> entry: <c>InputScaler</c>, the runtime's own scaler type built from
    /// the entry's exact values, and <c>ForwardRaw</c>, inference on raw features through it.
    /// </summary>
    /// <remarks>
    /// The scaling is applied, not folded into the first layer (W′ = W / σ, b′ = b − W μ / σ): <c>Parameters</c> may be
    /// trained or reloaded after construction, which would leave folded weights behind, and the fold changes rounding
    /// (see the README's baked-weights section for the measured error). Applying it through <c>InputScaler.Transform</c>
    /// keeps one definition of the map, and <c>ForwardRaw(raw)</c> is bitwise <c>Forward(InputScaler.Transform(raw))</c>.
    /// </remarks>
    private static void WriteScaler(SourceWriter w, NetworkModel model, BakedScalerModel scaler, string t)
    {
        string file = Xml(model.Weights!.FileName);
        string type = (scaler.IsStandardizer ? TypeNames.Standardizer : TypeNames.MinMaxScaler) + "<" + t + ">";
        string map = scaler.IsStandardizer
            ? "a standardizer, x′ = (x − mean) / std per feature"
            : "a min-max scaler, x′ = (x − min) / (max − min) per feature (a constant feature's range taken as 1)";
        w.Block($$"""

            /// <summary>
            /// The scaling the baked weights expect on raw features, stored with them in {{file}} (<c>netgen.scaler</c>):
            /// {{map}}, with the file's exact values.
            /// <c>new Predictor&lt;{{t}}&gt;(network, InputScaler)</c> predicts from raw features; <see cref="ForwardRaw"/> runs one raw sample.
            /// </summary>
            public static {{type}} InputScaler { get; } = {{type}}.{{(scaler.IsStandardizer ? "FromStatistics" : "FromRange")}}(
            """);
        WriteValues(w, scaler.First, model.IsDouble, last: false);
        WriteValues(w, scaler.Second, model.IsDouble, last: true);
        bool onStack = model.InputSize <= MaxStackInputs;
        w.Block($$"""

            /// <summary>
            /// <see cref="Forward"/> on raw features: each is scaled first by <see cref="InputScaler"/> (computed in double and
            /// rounded to {{t}}, as <c>InputScaler.Transform</c> computes it), so the output is bitwise that of <c>Forward</c> on
            /// <c>InputScaler.Transform(rawFeatures)</c>. Allocates nothing{{(onStack ? string.Empty : " once the array pool is warm")}}; like <see cref="Forward"/>,
            /// any number of threads may call it at once while no one changes the parameters.
            /// </summary>
            /// <param name="rawFeatures">One sample's unscaled features, <see cref="InputSize"/> of them.</param>
            /// <param name="output">Receives the <see cref="OutputSize"/> outputs.</param>
            /// <exception cref="{{TypeNames.ArgumentException}}">A span has the wrong length.</exception>
            public void ForwardRaw({{TypeNames.ReadOnlySpan}}<{{t}}> rawFeatures, {{TypeNames.Span}}<{{t}}> output)
            {
                if (rawFeatures.Length != InputSize) throw {{TypeNames.NetworkGuard}}.WrongLength(rawFeatures.Length, InputSize, nameof(rawFeatures), "raw input features");
            """);
        if (onStack)
        {
            w.Block($$"""
                    {{TypeNames.Span}}<{{t}}> features = stackalloc {{t}}[InputSize];
                    InputScaler.Transform(rawFeatures, features);
                    Forward(features, output);
                }
                """);
            return;
        }

        w.Block($$"""
                // Too many inputs for the stack: a pooled array keeps the call allocation-free once the pool is warm.
                {{t}}[] pooled = {{TypeNames.ArrayPool}}<{{t}}>.Shared.Rent(InputSize);
                try
                {
                    {{TypeNames.Span}}<{{t}}> features = new {{TypeNames.Span}}<{{t}}>(pooled, 0, InputSize);
                    InputScaler.Transform(rawFeatures, features);
                    Forward(features, output);
                }
                finally
                {
                    {{TypeNames.ArrayPool}}<{{t}}>.Shared.Return(pooled);
                }
            }
            """);
    }

    // One array argument, eight exact literals a line.
    private static void WriteValues(SourceWriter w, EquatableArray<double> values, bool isDouble, bool last)
    {
        var line = new System.Text.StringBuilder("    new ").Append(isDouble ? "double" : "float").Append("[]");
        w.Line(line.ToString());
        w.Line("    {");
        line.Clear();
        for (int i = 0; i < values.Count; i++)
        {
            line.Append(line.Length == 0 ? "        " : " ")
                .Append(isDouble ? MathText.DoubleLiteral(values[i]) : MathText.FloatLiteral((float)values[i]))
                .Append(',');
            if ((i + 1) % ValuesPerLine == 0 || i == values.Count - 1)
            {
                w.Line(line.ToString());
                line.Clear();
            }
        }

        w.Line(last ? "    });" : "    },");
    }

    /// <summary>The second generated file of a baked network: the data itself.</summary>
    public static string EmitData(NetworkModel model)
    {
        var weights = model.Weights!;
        var w = new SourceWriter();
        w.Line("// <auto-generated/>");
        w.Line($"// The parameters of {model.DisplayName}, baked in by NetGen from {Comment(weights.FileName)} (SHA-256 {weights.Sha256}).");
        w.Line("#nullable disable");
        w.Line();
        if (model.Namespace is not null)
        {
            w.Open("namespace " + model.NamespaceIdentifier);
        }

        w.Open($"partial {model.TypeKeyword} {model.TypeIdentifier}");
        if (model.HasCompressedWeights)
        {
            var (bytes, description) = CompressedWeightsEmitter.BakedBytes(model);
            w.Line($"// {description}, as {MathText.Int(bytes.Length)} little-endian bytes, 8 to a word (word k holds bytes 8k to 8k + 7, byte 8k lowest).");
            WriteWords(w, "BakedWords", bytes);
        }
        else
        {
            var bytes = weights.ParameterBytes.Span;
            w.Line($"// {MathText.Int(model.ParameterCount)} {(model.IsDouble ? "double" : "float")} parameters as {MathText.Int(bytes.Length)} little-endian bytes, 8 to a word (word k holds bytes 8k to 8k + 7, byte 8k lowest).");
            WriteWords(w, "BakedParameterWords", bytes);
        }

        w.Close();
        if (model.Namespace is not null)
        {
            w.Close();
        }

        return w.ToString();
    }

    private static void WriteWords(SourceWriter w, string name, System.ReadOnlySpan<byte> bytes)
    {
        int words = (bytes.Length + 7) / 8;
        w.Line($"private static {TypeNames.ReadOnlySpan}<ulong> {name} => new ulong[]");
        w.Line("{");
        var line = new System.Text.StringBuilder();
        for (int k = 0; k < words; k++)
        {
            ulong word = 0;
            for (int b = 7; b >= 0; b--)
            {
                int at = (8 * k) + b;
                word = (word << 8) | (at < bytes.Length ? bytes[at] : (byte)0);
            }

            line.Append(line.Length == 0 ? "    " : " ").Append("0x").Append(word.ToString("X16", CultureInfo.InvariantCulture)).Append(',');
            if ((k + 1) % WordsPerLine == 0 || k == words - 1)
            {
                w.Line(line.ToString());
                line.Clear();
            }
        }

        w.Line("};");
    }

    internal static string Xml(string text) => Comment(text).Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    // A file name goes into comments: a line break in it must not end the comment.
    private static string Comment(string text)
    {
        var result = new System.Text.StringBuilder(text.Length);
        foreach (char c in text)
        {
            result.Append(char.IsControl(c) || c is '\u2028' or '\u2029' ? '?' : c);
        }

        return result.ToString();
    }
}
