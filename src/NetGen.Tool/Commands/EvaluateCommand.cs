using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using NetGen.Data;
using NetGen.Evaluation;

namespace NetGen.Tool.Commands;

/// <summary>
/// <c>netgen evaluate MODEL.safetensors DATA.csv --label-column COLUMN</c>: scores the model on a labelled file: the
/// classification report (per-class precision, recall, F1, averages, log-loss, ROC AUC for two classes, the confusion
/// matrix) or the regression metrics (MSE, MAE, R²).
/// </summary>
internal static class EvaluateCommand
{
    public const string Name = "evaluate";

    public static readonly OptionSpec[] Options =
    [
        new("--label-column", "COLUMN", "the column with the true classes or values: its header name, or its index (-1 for the last); required"),
        CommonOptions.Header,
        CommonOptions.NoHeader,
        CommonOptions.Separator,
    ];

    public static string Usage { get; } = ToolCli.FormatUsage(
        "netgen evaluate MODEL.safetensors DATA.csv --label-column COLUMN [options]",
        """
        Scores the model on a labelled CSV file, with the scaler stored in the model applied to the raw features. A
        classifier (softmax output, or one sigmoid output) gets the classification report: per-class precision, recall,
        F1 and support, accuracy, macro and weighted averages, log-loss, ROC AUC for two classes and the confusion
        matrix; any other network the regression metrics: MSE, MAE and R².
        """,
        Options);

    /// <summary>Runs the command.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        var arguments = Arguments.Parse(Name, args, ["MODEL.safetensors", "DATA.csv"], Options);
        var layoutOptions = (Header: CommonOptions.ReadHeader(arguments), Separator: CommonOptions.ReadSeparator(arguments));
        string label = arguments.Text("--label-column") ?? throw new UsageException("--label-column is required: the column that holds the true classes or values, by header name or index (-1 for the last).");
        var model = ModelFile.Load(arguments.Positionals[0]);
        var spec = model.Network.Spec;
        var layout = CsvInput.Inspect(arguments.Positionals[1], layoutOptions.Separator, layoutOptions.Header);
        int column = ModelInput.ResolveLabel(layout, label, spec, required: true)!.Value;
        cancellationToken.ThrowIfCancellationRequested();

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Model: {spec.DescribeArchitecture()}, {(model.Scaler is null ? "no scaler" : "with its scaler")}."));
        if (ModelFile.IsClassifier(spec))
        {
            Dataset<float> data = CsvInput.LoadClassification(layout, column, model.Network.GetClassCount());
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Data: {layout.Path}: {data.Count} rows, label {layout.Describe(column)}."));
            ClassificationReport report = model.EvaluateClassification(data);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Accuracy {report.Accuracy:0.0000}"));
            output.Write(report.ToString());
        }
        else
        {
            Dataset<float> data = CsvInput.LoadRegression(layout, column);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Data: {layout.Path}: {data.Count} rows, target {layout.Describe(column)}."));
            output.Write(model.EvaluateRegression(data).ToString());
        }

        return ToolCli.ExitSuccess;
    }
}
