using System;
using System.Globalization;
using System.IO;
using System.Text;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Onnx;
using NetGen.Onnx;

namespace NetGen.Generator.Tests;

/// <summary>ONNX models as the build step hands them to the generator, and declarations written from a spec.</summary>
internal static class OnnxSources
{
    /// <summary>An .onnx file as build/NetGen.targets converts it: a text container in a folder of its own.</summary>
    public static AdditionalText Container(string sourcePath, byte[] model)
    {
        string folder = "/project/obj/netgen/" + ((uint)StringComparer.Ordinal.GetHashCode(sourcePath)).ToString("x8", CultureInfo.InvariantCulture);
        return new GeneratorHarness.InMemoryAdditionalText(
            folder + "/" + Path.GetFileName(sourcePath) + Weights.WeightsContainer.Extension,
            OnnxFileReader.Magic + "\n" + "source=" + sourcePath + "\n" + Convert.ToBase64String(model, Base64FormattingOptions.InsertLineBreaks) + "\n");
    }

    /// <summary>A corpus model as the build step hands it to the generator, from /project/models.</summary>
    public static AdditionalText CorpusModel(string name) =>
        Container($"/project/models/{name}.onnx", File.ReadAllBytes(NetGen.Onnx.Tests.Import.Corpus.Get(name).Path));

    /// <summary>
    /// The declaration, by hand, of the network <paramref name="spec"/> describes: <c>[Network]</c> with its loss and
    /// precision (and <paramref name="networkArguments"/>), <c>[Input]</c>, and per layer <c>[Dense]</c> and <c>[Dropout]</c>.
    /// </summary>
    public static string Declaration(NetworkSpec spec, string typeName, string networkArguments = "")
    {
        var text = new StringBuilder("[Network(");
        text.Append("Precision = Precision.").Append(spec.Precision);
        if (spec.Loss is { } loss)
        {
            text.Append(", Loss = Loss.").Append(loss);
        }

        text.Append(networkArguments).Append(")]");
        text.Append(CultureInfo.InvariantCulture, $"[Input({spec.InputSize})]");
        AppendDropout(text, spec.InputKeepProbability);
        foreach (var layer in spec.Layers)
        {
            text.Append(CultureInfo.InvariantCulture, $"[Dense({layer.Size}, Activation.{layer.Activation}");
            if (layer.Activation == Activation.LeakyReLU)
            {
                text.Append(", LeakySlope = ").Append(layer.LeakySlope.ToString("R", CultureInfo.InvariantCulture));
            }

            if (layer.Activation == Activation.ELU)
            {
                text.Append(", Alpha = ").Append(layer.Alpha.ToString("R", CultureInfo.InvariantCulture));
            }

            text.Append(")]");
            AppendDropout(text, layer.KeepProbability);
        }

        return text.Append(" internal partial class ").Append(typeName).Append(";\n").ToString();

        static void AppendDropout(StringBuilder text, double keep)
        {
            if (keep < 1.0)
            {
                text.Append("[Dropout(").Append(keep.ToString("R", CultureInfo.InvariantCulture)).Append(")]");
            }
        }
    }

    /// <summary>The weights file <c>WeightsFile.Save</c> writes for the imported network, in the spec's precision.</summary>
    public static byte[] WeightsOf(ImportedModel model) =>
        model.Spec.Precision == Precision.Double ? TestWeights.Save(model.CreateInterpreted<double>()) : TestWeights.Save(model.CreateInterpreted<float>());
}
