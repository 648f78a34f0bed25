using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;

namespace NetGen.Tool.Commands;

/// <summary>
/// <c>netgen predict MODEL.safetensors DATA.csv [--output FILE]</c>: runs every row's raw features through the stored
/// scaler and the network, and writes a CSV line per row: the class and the class probabilities, or the predicted
/// values.
/// </summary>
internal static class PredictCommand
{
    public const string Name = "predict";

    public static readonly OptionSpec[] Options =
    [
        new("--output", "FILE", "write the predictions to FILE (created or replaced) instead of printing them"),
        new("--label-column", "COLUMN", "a column to leave out, such as the label of a labelled file: its header name or index"),
        CommonOptions.Header,
        CommonOptions.NoHeader,
        CommonOptions.Separator,
    ];

    public static string Usage { get; } = ToolCli.FormatUsage(
        "netgen predict MODEL.safetensors DATA.csv [--output FILE] [options]",
        """
        Predicts every row of DATA.csv with the model that 'netgen train' (or WeightsFile.Save) wrote: the file's metadata
        gives the architecture and the scaler, which is applied to the raw features. The columns of DATA.csv are the
        features, in training order, except the one --label-column leaves out.

        Output, one line per row after a header: for a classifier 'class,probability_0,probability_1,…' (the probabilities
        of a softmax or sigmoid output), otherwise 'value' (or 'value_0,value_1,…'). Numbers are written so that they
        read back as the exact float.
        """,
        Options);

    /// <summary>Runs the command.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        var arguments = Arguments.Parse(Name, args, ["MODEL.safetensors", "DATA.csv"], Options);
        var layoutOptions = (Header: CommonOptions.ReadHeader(arguments), Separator: CommonOptions.ReadSeparator(arguments));
        string? outputPath = arguments.Text("--output");
        var model = ModelFile.Load(arguments.Positionals[0]);
        var spec = model.Network.Spec;
        var layout = CsvInput.Inspect(arguments.Positionals[1], layoutOptions.Separator, layoutOptions.Header);
        int? label = ModelInput.ResolveLabel(layout, arguments.Text("--label-column"), spec, required: false);
        var (features, rows) = CsvInput.LoadFeatures(layout, label);
        cancellationToken.ThrowIfCancellationRequested();

        string csv = Format(model, features, rows);
        if (outputPath is null)
        {
            output.Write(csv);
            return ToolCli.ExitSuccess;
        }

        if (Directory.Exists(outputPath))
        {
            throw new IOException($"--output: '{outputPath}' is a folder; give a file name such as predictions.csv.");
        }

        TextFile.Write(outputPath, csv);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Wrote {rows} predictions of {spec.DescribeArchitecture()} to {Path.GetFullPath(outputPath)}."));
        return ToolCli.ExitSuccess;
    }

    /// <summary>The predictions as CSV text: a header, then a line per row.</summary>
    internal static string Format(Predictor<float> model, float[] features, int rows)
    {
        var spec = model.Network.Spec;
        var text = new StringBuilder();
        if (ModelFile.IsClassifier(spec))
        {
            int[] classes = model.PredictClasses(features);
            float[] probabilities = model.PredictProbabilities(features);
            int classCount = probabilities.Length / Math.Max(1, rows);
            text.Append("class,").AppendJoin(',', Enumerable.Range(0, classCount).Select(c => "probability_" + c.ToString(CultureInfo.InvariantCulture))).Append('\n');
            for (int i = 0; i < rows; i++)
            {
                text.Append(classes[i].ToString(CultureInfo.InvariantCulture));
                for (int c = 0; c < classCount; c++)
                {
                    text.Append(',').Append(probabilities[(i * classCount) + c].ToString("R", CultureInfo.InvariantCulture));
                }

                text.Append('\n');
            }

            return text.ToString();
        }

        float[] values = model.PredictValues(features);
        int width = spec.OutputSize;
        text.AppendJoin(',', width == 1 ? ["value"] : Enumerable.Range(0, width).Select(j => "value_" + j.ToString(CultureInfo.InvariantCulture))).Append('\n');
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < width; j++)
            {
                text.Append(j == 0 ? string.Empty : ",").Append(values[(i * width) + j].ToString("R", CultureInfo.InvariantCulture));
            }

            text.Append('\n');
        }

        return text.ToString();
    }
}
