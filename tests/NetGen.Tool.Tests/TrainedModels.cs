using System;
using System.IO;
using NetGen.DataIO.Tests;
using NetGen.Tabular.Tests;

namespace NetGen.Tool.Tests;

/// <summary>
/// Models trained once by <c>netgen train</c> for the tests of the other commands: iris (3 classes, softmax), iris setosa
/// against the rest (one sigmoid output, min-max scaling, dropout) and iris petal width (regression, target column first).
/// </summary>
public sealed class TrainedModels : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public TrainedModels()
    {
        IrisTrainOutput = ToolRun.Of("train", RealData.Iris, "--label-column", "-1", "--task", "classification", "--hidden", "16", "--epochs", "60", "--output", Folder("iris")).Succeeded().Output;
        IrisWeights = Path.Combine(Folder("iris"), "iris.safetensors");

        SetosaCsv = TabularData.WriteSetosaCsv(_folder);
        ToolRun.Of("train", SetosaCsv, "--label-column", "is_setosa", "--task", "classification", "--hidden", "8,4", "--activation", "tanh",
            "--dropout", "0.25", "--scaler", "minmax", "--epochs", "40", "--seed", "3", "--output", Folder("setosa")).Succeeded();
        SetosaWeights = Path.Combine(Folder("setosa"), "setosa.safetensors");

        PetalCsv = TabularData.WritePetalWidthCsv(_folder);
        ToolRun.Of("train", PetalCsv, "--label-column", "sepal_length", "--task", "regression", "--hidden", "8", "--activation", "tanh",
            "--epochs", "80", "--output", Folder("petal")).Succeeded();
        PetalWeights = Path.Combine(Folder("petal"), "petal-width.safetensors");
    }

    public string IrisTrainOutput { get; }

    public string IrisWeights { get; }

    public string SetosaCsv { get; }

    public string SetosaWeights { get; }

    public string PetalCsv { get; }

    public string PetalWeights { get; }

    /// <summary>A file in a scratch folder of the fixture's own.</summary>
    public string File(string name) => _folder.File(name);

    public string Folder(string name) => Path.Combine(_folder.Path, name);

    public void Dispose() => _folder.Dispose();
}
