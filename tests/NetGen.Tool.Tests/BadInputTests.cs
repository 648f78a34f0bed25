using System;
using System.IO;
using System.Linq;
using NetGen.DataIO.Tests;
using NetGen.IO;
using Xunit;

namespace NetGen.Tool.Tests;

/// <summary>
/// Every bad option or file gets a message naming it, exit code 2 for a wrong command line and 1 for a file that is
/// missing, malformed or does not fit, and no stack trace; nothing trains.
/// </summary>
public sealed class BadInputTests(TrainedModels models) : IClassFixture<TrainedModels>, IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string[] Train(params string[] extra) =>
        ["train", RealData.Iris, "--label-column", "-1", "--task", "classification", .. extra];

    public static TheoryData<string[], string> UsageErrors => new()
    {
        { ["trian"], "unknown command 'trian' (did you mean train?)" },
        { ["train", RealData.Iris, "--label-column", "-1"], "--task is required" },
        { ["train", RealData.Iris, "--task", "regression"], "--label-column is required" },
        { ["train", "--task", "regression", "--label-column", "0"], "needs DATA.csv; DATA.csv is missing" },
        { Train("--epochs", "0"), "--epochs: 0 is out of range; it must be from 1 to" },
        { Train("--epochs", "ten"), "--epochs: 'ten' is not a whole number." },
        { Train("--epochs", "99999999999"), "--epochs: 99999999999 is out of range" },
        { Train("--epoch", "3"), "unknown option '--epoch' for 'netgen train' (did you mean --epochs?)" },
        { Train("--epochs"), "--epochs needs a value (N)." },
        { Train("--epochs", "3", "--epochs", "4"), "--epochs is given twice." },
        { Train("extra.csv"), "unexpected argument 'extra.csv'" },
        { Train("--learning-rate", "-0.1"), "--learning-rate: -0.1 is out of range; it must be > 0." },
        { Train("--learning-rate", "0,01"), "--learning-rate: '0,01' is not a number" },
        { Train("--hidden", "64,0"), "--hidden: '0' is not a layer size" },
        { Train("--activation", "softmax"), "--activation: 'softmax' is not one of relu, sigmoid, tanh, leakyrelu" },
        { Train("--optimizer", "adamw"), "--optimizer: 'adamw' is not one of adam, sgd, momentum, newton (did you mean adam?)" },
        { Train("--validation-fraction", "0.5", "--test-fraction", "0.5"), "leave no rows for training" },
        { Train("--validation-fraction", "1"), "--validation-fraction: 1 is out of range" },
        { Train("--patience", "3", "--validation-fraction", "0"), "--patience stops on the validation loss" },
        { Train("--dropout", "1"), "--dropout: 1 is out of range" },
        { Train("--dropout", "0.5", "--hidden", "none"), "--dropout drops hidden units" },
        { Train("--learning-rate", "0.1", "--optimizer", "newton"), "--learning-rate has no effect with --optimizer newton" },
        { ["train", RealData.Iris, "--label-column", "-1", "--task", "regression", "--binary-output", "softmax"], "--binary-output chooses between" },
        { Train("--name", "irisNet"), "--name: 'irisNet' is not a class name" },
        { Train("--header", "--no-header"), "--header and --no-header contradict each other" },
        { Train("--header=yes"), "--header is a switch and takes no value" },
        { Train("--separator", "ab"), "--separator: 'ab' cannot separate numbers" },
        { Train("--seed", "-1"), "--seed: '-1' is not a whole number from 0 to" },
        { Train("--scaler", "robust"), "--scaler: 'robust' is not one of standard, minmax, none" },
        { ["train", RealData.Iris, "--label-column", "9", "--task", "classification"], "--label-column: column index 9 is outside the 5 columns" },
        { ["train", RealData.Iris, "--label-column", "species", "--task", "classification"], "has no column named 'species'; its header names '150', '4', 'setosa'" },
        { ["train", RealData.Digits, "--label-column", "digit", "--task", "classification"], "'digit' is not a column index, and" },
        { ["predict", "model.safetensors"], "needs MODEL.safetensors and DATA.csv; DATA.csv is missing" },
    };

    [Theory]
    [MemberData(nameof(UsageErrors))]
    public void AWrongCommandLineExitsWith2AndNamesTheProblem(string[] args, string message)
    {
        var run = ToolRun.Of(args);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("epoch", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void NoArgumentsPrintTheUsageAndHelpExits0()
    {
        var none = ToolRun.Of();
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("Usage: netgen <command>", none.Error, StringComparison.Ordinal);

        var help = ToolRun.Of("--help").Succeeded();
        Assert.Contains("export-onnx", help.Output, StringComparison.Ordinal);
        foreach (string command in new[] { "train", "predict", "evaluate", "export-onnx" })
        {
            var commandHelp = ToolRun.Of(command, "--help").Succeeded();
            Assert.StartsWith("Usage: netgen " + command, commandHelp.Output, StringComparison.Ordinal);
        }

        Assert.StartsWith("netgen ", ToolRun.Of("--version").Succeeded().Output, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingOrMalformedDataExitsWith1AndNamesTheFileAndLine()
    {
        ToolRun.Of("train", _folder.File("missing.csv"), "--label-column", "-1", "--task", "regression").Failed(1, "missing.csv: no such file.");
        ToolRun.Of("train", _folder.Path, "--label-column", "-1", "--task", "regression").Failed(1, "is a folder, not a CSV file");
        string bad = _folder.WriteText("bad.csv", "a,b,label\n1,2,0\n3,x,1\n4,5,0\n");
        ToolRun.Of("train", bad, "--label-column", "label", "--task", "classification").Failed(1, "malformed data: ").Failed(1, "line 3");
        string ragged = _folder.WriteText("ragged.csv", "a,b,label\n1,2,3,0\n3,4,5,1\n");
        ToolRun.Of("train", ragged, "--label-column", "0", "--task", "regression").Failed(1, "the first line has 3 fields but the data rows have 4");
        string oneClass = _folder.WriteText("one-class.csv", "a,label\n1,0\n2,0\n3,0\n");
        ToolRun.Of("train", oneClass, "--label-column", "label", "--task", "classification").Failed(1, "a classifier needs at least two classes");
        ToolRun.Of("train", models.PetalCsv, "--label-column", "-1", "--task", "classification").Failed(1, "which is not an integer");
        string empty = _folder.WriteText("empty.csv", string.Empty);
        ToolRun.Of("train", empty, "--label-column", "0", "--task", "regression").Failed(1, "the file is empty");
        // The sklearn header of iris read as data.
        ToolRun.Of("train", RealData.Iris, "--label-column", "-1", "--task", "classification", "--no-header").Failed(1, "line 1");
        string tiny = _folder.WriteText("tiny.csv", "a,label\n1,0\n2,1\n");
        ToolRun.Of("train", tiny, "--label-column", "label", "--task", "classification", "--validation-fraction", "0.5", "--test-fraction", "0.45")
            .Failed(1, "the 2 rows cannot be split as asked");
    }

    [Fact]
    public void ModelFilesThatAreMissingForeignOrDamagedExitWith1()
    {
        ToolRun.Of("predict", _folder.File("missing.safetensors"), RealData.Iris).Failed(1, "no such model file");
        ToolRun.Of("evaluate", _folder.WriteText("junk.safetensors", "not a model"), RealData.Iris, "--label-column", "-1").Failed(1, "not a usable model file: ");

        // A PyTorch state_dict: tensors but no netgen.spec.
        var writer = new SafeTensorsWriter();
        writer.AddTensor("0.weight", new float[12], 3, 4);
        writer.AddTensor("0.bias", new float[3], 3);
        string foreign = _folder.File("torch.safetensors");
        writer.Save(foreign);
        ToolRun.Of("export-onnx", foreign, _folder.File("x.onnx")).Failed(1, "has no 'netgen.spec' metadata");
        Assert.False(File.Exists(_folder.File("x.onnx")));
    }

    [Fact]
    public void DataThatDoesNotFitTheModelIsNamed()
    {
        ToolRun.Of("predict", models.IrisWeights, RealData.Iris).Failed(2, "has 5 columns and the model takes 4 features: name the column to leave out with --label-column");
        ToolRun.Of("predict", models.IrisWeights, RealData.Digits, "--label-column", "-1").Failed(1, "has 64 feature columns besides the label column 65, but the model takes 4 features");
        ToolRun.Of("evaluate", models.IrisWeights, RealData.Iris).Failed(2, "--label-column is required");
        string fourClasses = _folder.WriteText("four.csv", "a,b,c,d,label\n1,2,3,4,3\n");
        ToolRun.Of("evaluate", models.IrisWeights, fourClasses, "--label-column", "label").Failed(1, "outside [0, 3)");
        ToolRun.Of("export-onnx", models.IrisWeights, _folder.Path).Failed(1, "is a folder");
        ToolRun.Of("predict", models.IrisWeights, RealData.Iris, "--label-column", "-1", "--output", _folder.Path).Failed(1, "is a folder");
    }
}
