using System;
using System.Globalization;
using System.Linq;
using System.Text;
using NetGen.Data;

namespace NetGen.Tool;

/// <summary>
/// The C# a user pastes to get the trained network as a generated class with its weights baked in: the csproj item
/// that hands the weights file to the generator, and the attributed partial class. When the weights file stores a
/// scaler, the generator reads it too and adds <c>InputScaler</c> and <c>ForwardRaw</c>; the comment after the
/// declaration shows them.
/// </summary>
internal static class Declaration
{
    /// <summary>The <c>AdditionalFiles</c> item for the project file.</summary>
    public static string ProjectItem(string weightsFileName) => $"<AdditionalFiles Include=\"{weightsFileName}\" />";

    /// <summary>
    /// Whether <paramref name="name"/> can name the class: ASCII letters, digits and underscores, starting with an
    /// upper-case letter (so it is never a C# keyword, all of which are lower case).
    /// </summary>
    public static bool IsClassName(string name) =>
        name.Length is > 0 and <= 200 && char.IsAsciiLetterUpper(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>A class name from a data file's name: <c>three-or-eight.csv</c> → <c>ThreeOrEightNet</c>.</summary>
    public static string ClassNameFor(string stem)
    {
        var name = new StringBuilder();
        bool upper = true;
        foreach (char c in stem)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                name.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }
            else
            {
                upper = true;
            }
        }

        if (name.Length == 0 || !char.IsAsciiLetter(name[0]))
        {
            name.Insert(0, "Data");
        }

        return name.Append("Net").ToString();
    }

    /// <summary>The source file: a comment with the project item, the declaration, and how to call it on raw features when the file stores a scaler.</summary>
    /// <param name="spec">The trained network.</param>
    /// <param name="className">The class to declare.</param>
    /// <param name="weightsFileName">The weights file's name, as the project item names it.</param>
    /// <param name="scaler">The scaler stored with the weights, or null.</param>
    /// <param name="origin">Where the network came from, for the comments, such as <c>netgen train iris.csv</c>.</param>
    public static string Write(NetworkSpec spec, string className, string weightsFileName, IFeatureScaler<float>? scaler, string origin)
    {
        var text = new StringBuilder();
        text.Append("// ").Append(origin).Append(": the trained network as a class the NetGen source generator compiles, with the weights\n");
        text.Append("// of ").Append(weightsFileName).Append(" baked in. The project needs a PackageReference to NetGen and the weights file as\n");
        text.Append("//   <ItemGroup>\n//     ").Append(ProjectItem(weightsFileName)).Append("\n//   </ItemGroup>\n");
        text.Append("using NetGen;\n\n");
        text.Append("/// <summary>").Append(spec.DescribeArchitecture()).Append(", trained by ").Append(origin).Append(".</summary>\n");
        text.Append("[Network(Loss = Loss.").Append(spec.Loss?.ToString() ?? throw new ArgumentException("A trained network has a loss.", nameof(spec)))
            .Append(", Weights = \"").Append(weightsFileName).Append("\")]\n");
        text.Append("[Input(").Append(Invariant(spec.InputSize)).Append(")]\n");
        AppendDropout(text, spec.InputKeepProbability);
        foreach (var layer in spec.Layers)
        {
            text.Append("[Dense(").Append(Invariant(layer.Size)).Append(", Activation.").Append(layer.Activation);
            if (layer.Activation == Activation.LeakyReLU && layer.LeakySlope != DenseAttribute.DefaultLeakySlope)
            {
                text.Append(", LeakySlope = ").Append(Invariant(layer.LeakySlope));
            }
            else if (layer.Activation == Activation.ELU && layer.Alpha != DenseAttribute.DefaultAlpha)
            {
                text.Append(", Alpha = ").Append(Invariant(layer.Alpha));
            }

            text.Append(")]\n");
            AppendDropout(text, layer.KeepProbability);
        }

        text.Append("public partial class ").Append(className).Append(";\n");
        if (scaler is null)
        {
            return text.ToString();
        }

        string kind = scaler switch
        {
            Standardizer<float> => "Standardizer<float>",
            MinMaxScaler<float> => "MinMaxScaler<float>",
            _ => throw new ArgumentException($"A {scaler.GetType().Name} cannot be stored in a weights file.", nameof(scaler)),
        };
        string predict = spec.Loss == Loss.MeanSquaredError ? "PredictValues" : "PredictClass";
        text.Append('\n');
        text.Append("// ").Append(weightsFileName).Append(" also stores the scaler the network was trained behind (a ").Append(kind).Append("), so the generator\n");
        text.Append("// adds ").Append(className).Append(".InputScaler, that scaler with the file's exact values, and ForwardRaw, which scales raw features\n");
        text.Append("// on the way in (").Append(Invariant(spec.InputSize)).Append(" raw features in, ").Append(Invariant(spec.OutputSize)).Append(" out):\n");
        text.Append("//   new ").Append(className).Append("().ForwardRaw(rawFeatures, output);\n");
        text.Append("//   new Predictor<float>(new ").Append(className).Append("(), ").Append(className).Append(".InputScaler).").Append(predict).Append("(rawFeatures);\n");
        return text.ToString();
    }

    private static void AppendDropout(StringBuilder text, double keepProbability)
    {
        if (keepProbability < 1.0)
        {
            text.Append("[Dropout(").Append(Invariant(keepProbability)).Append(")]           // keep probability while training\n");
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Invariant(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
