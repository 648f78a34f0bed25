using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace NetGen.ML.Tests;

/// <summary>mlContext.Model.Save and Load: the network type, its parameters and its labels come back, scoring bitwise alike.</summary>
public sealed class PersistenceTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ASavedPipelineLoadsIntoANewContextAndScoresBitwiseAlike(bool interpreted)
    {
        var ml = new MLContext(seed: 1);
        var data = MLData.DigitsView(ml);
        var options = MLData.Adam(epochs: 2, learningRate: 0.005, batchSize: 32);
        var trainer = interpreted
            ? ml.MulticlassClassification.Trainers.NetGen(MLDigitsNet.Spec, trainerOptions: options)
            : ml.MulticlassClassification.Trainers.NetGen<MLDigitsNet>(trainerOptions: options);
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.NormalizeMeanVariance("Features")).Append(trainer).Fit(data);

        var loaded = SaveAndLoad(ml, model, data.Schema, out var loadedSchema);

        var netgen = Assert.IsType<NetGenPredictionTransformer>(Assert.IsType<TransformerChain<ITransformer>>(loaded).Last());
        Assert.IsType(interpreted ? typeof(InterpretedNetwork<float>) : typeof(MLDigitsNet), netgen.Model);
        Assert.Equal(MLDigitsNet.Spec, netgen.Spec);
        Assert.Null(netgen.TrainingResult);
        Assert.Equal(data.Schema.Select(c => c.Name), loadedSchema.Select(c => c.Name));
        Assert.Equal(Bits(model.LastTransformer.Model.Parameters.ToArray()), Bits(netgen.Model.Parameters.ToArray()));
        var before = model.Transform(data);
        var after = loaded.Transform(data);
        Assert.Equal(Bits(MLData.Vectors(before, "Score").SelectMany(s => s).ToArray()), Bits(MLData.Vectors(after, "Score").SelectMany(s => s).ToArray()));
        Assert.Equal(before.GetColumn<uint>("PredictedLabel"), after.GetColumn<uint>("PredictedLabel"));
    }

    [Fact]
    public void TheLabelValuesSurviveASaveSoPredictedKeysStillMapBackToText()
    {
        var ml = new MLContext(seed: 1);
        var data = MLData.IrisView(ml);
        var model = ml.Transforms.Conversion.MapValueToKey("Label", "Species")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.MulticlassClassification.Trainers.NetGen<MLIrisNet>(trainerOptions: MLData.Adam(epochs: 40)))
            .Fit(data);

        var loaded = SaveAndLoad(ml, model, data.Schema, out _);
        var decoded = ml.Transforms.Conversion.MapKeyToValue("PredictedSpecies", "PredictedLabel").Fit(loaded.Transform(data)).Transform(loaded.Transform(data));

        var expected = ml.Transforms.Conversion.MapKeyToValue("PredictedSpecies", "PredictedLabel").Fit(model.Transform(data)).Transform(model.Transform(data));
        Assert.Equal(expected.GetColumn<string>("PredictedSpecies"), decoded.GetColumn<string>("PredictedSpecies"));
        Assert.Contains("virginica", decoded.GetColumn<string>("PredictedSpecies"));
    }

    [Fact]
    public void BinaryAndRegressionTransformersRoundTrip()
    {
        var ml = new MLContext(seed: 1);
        var data = MLData.IrisView(ml);
        var binary = ml.Transforms.NormalizeMeanVariance("Features")
            .Append(ml.BinaryClassification.Trainers.NetGen<MLSetosaNet>("IsSetosa", trainerOptions: MLData.Adam(epochs: 10)))
            .Fit(data);
        var regression = ml.Regression.Trainers.NetGen<MLPetalWidthNet>("PetalWidth", "Measurements", MLData.Adam(epochs: 10)).Fit(data);

        var loadedBinary = SaveAndLoad(ml, binary, data.Schema, out _);
        var loadedRegression = SaveAndLoad(ml, regression, data.Schema, out _);

        foreach (string column in new[] { "Score", "Probability" })
        {
            Assert.Equal(Bits(MLData.Column(binary.Transform(data), column)), Bits(MLData.Column(loadedBinary.Transform(data), column)));
        }

        Assert.Equal(binary.Transform(data).GetColumn<bool>("PredictedLabel"), loadedBinary.Transform(data).GetColumn<bool>("PredictedLabel"));
        Assert.Equal(Bits(MLData.Column(regression.Transform(data), "Score")), Bits(MLData.Column(loadedRegression.Transform(data), "Score")));
        Assert.IsType<MLPetalWidthNet>(((NetGenPredictionTransformer)loadedRegression).Model);
    }

    [Fact]
    public void AModelNamingANetworkTypeTheProcessCannotLoadFailsWithItsName()
    {
        var (ml, data, bytes) = SavedIrisModel();
        // Same length, so the string's length prefix stays right.
        byte[] damaged = Replace(bytes, "NetGen.ML.Tests.MLIrisNet", "NetGen.ML.Tests.MLIrisNeX");

        var error = LoadError(ml, damaged);

        Assert.Contains("NetGen.ML.Tests.MLIrisNeX", error.Message, StringComparison.Ordinal);
        Assert.Contains("cannot load", error.Message, StringComparison.Ordinal);
        _ = data;
    }

    [Fact]
    public void AModelWhoseNetworkTypeChangedArchitectureFailsAndSaysSo()
    {
        var (ml, _, bytes) = SavedIrisModel();
        byte[] damaged = Replace(bytes, "NetGen.ML.Tests.MLIrisNet,", "NetGen.ML.Tests.MLWideNet,");

        var error = LoadError(ml, damaged);

        Assert.Contains($"saved from NetGen.ML.Tests.MLWideNet as '{MLIrisNet.Spec}', but that type is now '{MLWideNet.Spec}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AModelWithANonFiniteParameterFailsToLoad()
    {
        var ml = new MLContext(seed: 1);
        var data = MLData.IrisView(ml);
        var transformer = ml.MulticlassClassification.Trainers.NetGen<MLIrisNet>(trainerOptions: MLData.Adam(epochs: 1))
            .Fit(ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data));
        // A value no trained weight has, to find the parameter in the file.
        transformer.Model.Parameters[5] = 1234.5678f;
        byte[] bytes = Save(ml, transformer, data.Schema);

        byte[] damaged = Replace(bytes, BitConverter.GetBytes(1234.5678f), BitConverter.GetBytes(float.NaN));

        var error = LoadError(ml, damaged);
        Assert.Contains("parameter 5 is NaN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AStringClaimingGigabytesIsRefusedBeforeAnythingIsAllocatedForIt()
    {
        var (ml, _, bytes) = SavedIrisModel();
        // The feature column name, "Features" behind its one-byte length, now claims int.MaxValue bytes (7-bit encoded).
        byte[] name = [8, .. Encoding.UTF8.GetBytes("Features")];
        byte[] claim = [0xFF, 0xFF, 0xFF, 0xFF, 0x07, .. Encoding.UTF8.GetBytes("ures")];

        var error = LoadError(ml, Replace(bytes, name, claim, onlyNetGenEntries: true));

        Assert.Contains("feature column name claims 2147483647 bytes", error.Message, StringComparison.Ordinal);
    }

    internal static ITransformer SaveAndLoad(MLContext ml, ITransformer model, DataViewSchema schema, out DataViewSchema loadedSchema)
    {
        byte[] bytes = Save(ml, model, schema);
        using var stream = new MemoryStream(bytes);
        // A new context: nothing registered by hand, as in a process that only loads models.
        return new MLContext(seed: 2).Model.Load(stream, out loadedSchema);
    }

    private static byte[] Save(MLContext ml, ITransformer model, DataViewSchema schema)
    {
        using var stream = new MemoryStream();
        ml.Model.Save(model, schema, stream);
        return stream.ToArray();
    }

    private static (MLContext Ml, IDataView Data, byte[] Bytes) SavedIrisModel()
    {
        var ml = new MLContext(seed: 1);
        var data = MLData.IrisView(ml);
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.NetGen<MLIrisNet>(trainerOptions: MLData.Adam(epochs: 1)))
            .Fit(data);
        return (ml, data, Save(ml, model, data.Schema));
    }

    // The first exception in the chain that is NetGen's FormatException (ML.NET may wrap a loader's exception).
    private static Exception LoadError(MLContext ml, byte[] model)
    {
        using var stream = new MemoryStream(model);
        var thrown = Assert.ThrowsAny<Exception>(() => ml.Model.Load(stream, out _));
        for (var e = thrown; e is not null; e = e.InnerException)
        {
            if (e is FormatException)
            {
                return e;
            }
        }

        throw new Xunit.Sdk.XunitException($"Loading threw no FormatException: {thrown}");
    }

    private static byte[] Replace(byte[] model, string from, string to) => Replace(model, Encoding.UTF8.GetBytes(from), Encoding.UTF8.GetBytes(to));

    // Rewrites the model zip with the occurrences of `from` replaced by `to` (same length), in every entry or only in
    // those of NetGen's transformer (whose header carries the model signature NETGENXF).
    private static byte[] Replace(byte[] model, byte[] from, byte[] to, bool onlyNetGenEntries = false)
    {
        Assert.Equal(from.Length, to.Length);
        using var output = new MemoryStream();
        int replaced = 0;
        using (var source = new ZipArchive(new MemoryStream(model), ZipArchiveMode.Read))
        using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in source.Entries)
            {
                using var read = entry.Open();
                using var content = new MemoryStream();
                read.CopyTo(content);
                byte[] bytes = content.ToArray();
                bool netgen = bytes.AsSpan().IndexOf("NETGENXF"u8) >= 0;
                for (int at = !onlyNetGenEntries || netgen ? bytes.AsSpan().IndexOf(from) : -1; at >= 0; at = bytes.AsSpan().IndexOf(from))
                {
                    to.CopyTo(bytes, at);
                    replaced++;
                }

                using var write = target.CreateEntry(entry.FullName).Open();
                write.Write(bytes);
            }
        }

        Assert.True(replaced > 0, "nothing to replace");
        return output.ToArray();
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
