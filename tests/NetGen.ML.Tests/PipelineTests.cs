using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using NetGen.DataIO.Tests;
using Xunit;

namespace NetGen.ML.Tests;

/// <summary>NetGen trainers in ML.NET pipelines: each task, each engine, with ML.NET's normalizers and evaluators.</summary>
public sealed class PipelineTests
{
    [Fact]
    public void AGeneratedMulticlassNetworkTrainsInAPipelineAndMLNetEvaluatesIt()
    {
        var ml = new MLContext(seed: 1);
        var split = MLData.IrisSplit(ml);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.MulticlassClassification.Trainers.NetGen<MLIrisNet>(trainerOptions: MLData.Adam(epochs: 100)));

        var model = pipeline.Fit(split.TrainSet);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(split.TestSet));

        Assert.True(metrics.MacroAccuracy >= 0.9, $"macro accuracy {metrics.MacroAccuracy}");
        Assert.True(metrics.LogLoss < 0.3, $"log-loss {metrics.LogLoss}");
        var netgen = model.LastTransformer;
        Assert.IsType<MLIrisNet>(netgen.Model);
        Assert.Equal(NetGenTask.MulticlassClassification, netgen.Task);
        Assert.Equal(3, netgen.ClassCount);
        Assert.Equal(100, netgen.TrainingResult!.EpochsRun);
    }

    [Fact]
    public void TheInterpretedEngineTrainsAnyArchitectureFromItsSpec()
    {
        var ml = new MLContext(seed: 1);
        var split = MLData.IrisSplit(ml);
        var spec = new NetworkSpec(4, [new DenseLayerSpec(10, Activation.Tanh), new DenseLayerSpec(3, Activation.Softmax)], Loss.SoftmaxCrossEntropy);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.MulticlassClassification.Trainers.NetGen(spec, trainerOptions: MLData.Adam(epochs: 100)));

        var model = pipeline.Fit(split.TrainSet);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(split.TestSet));

        Assert.True(metrics.MacroAccuracy >= 0.9, $"macro accuracy {metrics.MacroAccuracy}");
        Assert.IsType<InterpretedNetwork<float>>(model.LastTransformer.Model);
        Assert.Equal(spec, model.LastTransformer.Spec);
    }

    [Fact]
    public void ThePredictedKeyMapsBackToTheLabelText()
    {
        var ml = new MLContext(seed: 1);
        var data = MLData.IrisView(ml);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", "Species")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.MulticlassClassification.Trainers.NetGen<MLIrisNet>(trainerOptions: MLData.Adam(epochs: 60)))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedSpecies", "PredictedLabel"));

        var scored = pipeline.Fit(data).Transform(data);
        var actual = scored.GetColumn<string>("Species").ToArray();
        var predicted = scored.GetColumn<string>("PredictedSpecies").ToArray();

        Assert.Equal(RealData.IrisClassNames.Order(), predicted.Distinct().Order());
        Assert.True(actual.Zip(predicted).Count(p => p.First == p.Second) >= 140);
        // Text classes also name the score slots, as for ML.NET's trainers.
        var slotNames = default(VBuffer<ReadOnlyMemory<char>>);
        scored.Schema["Score"].GetSlotNames(ref slotNames);
        Assert.Equal(["setosa", "versicolor", "virginica"], slotNames.DenseValues().Select(s => s.ToString()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ABinaryNetworkGivesProbabilityLogOddsAndABooleanLabel(bool softmax)
    {
        var ml = new MLContext(seed: 1);
        var split = MLData.IrisSplit(ml);
        var trainer = softmax
            ? ml.BinaryClassification.Trainers.NetGen<MLSetosaSoftmaxNet>("IsSetosa", trainerOptions: MLData.Adam(epochs: 40))
            : ml.BinaryClassification.Trainers.NetGen<MLSetosaNet>("IsSetosa", trainerOptions: MLData.Adam(epochs: 40));
        var model = ml.Transforms.NormalizeMeanVariance("Features").Append(trainer).Fit(split.TrainSet);
        var scored = model.Transform(split.TestSet);

        var metrics = ml.BinaryClassification.Evaluate(scored, "IsSetosa");
        Assert.Equal(1.0, metrics.Accuracy);
        Assert.Equal(1.0, metrics.AreaUnderRocCurve);

        var probability = MLData.Column(scored, "Probability");
        var score = MLData.Column(scored, "Score");
        var predicted = scored.GetColumn<bool>("PredictedLabel").ToArray();
        var features = MLData.Vectors(scored, "Features");
        var network = model.LastTransformer.Model;
        var output = new float[network.Spec.OutputSize];
        for (int i = 0; i < features.Length; i++)
        {
            network.Forward(features[i], output);
            float p = softmax ? output[1] : output[0];
            float q = softmax ? output[0] : 1 - output[0];
            Assert.Equal(p, probability[i]);
            Assert.Equal(MathF.Log(p) - MathF.Log(q), score[i]);
            Assert.Equal(network.PredictClass(features[i]) == 1, predicted[i]);
        }
    }

    [Fact]
    public void ARegressionNetworkPredictsAFloatLabel()
    {
        var ml = new MLContext(seed: 1);
        var split = MLData.IrisSplit(ml);
        var model = ml.Transforms.NormalizeMeanVariance("Measurements")
            .Append(ml.Regression.Trainers.NetGen<MLPetalWidthNet>("PetalWidth", "Measurements", MLData.Adam(epochs: 150)))
            .Fit(split.TrainSet);

        var metrics = ml.Regression.Evaluate(model.Transform(split.TestSet), "PetalWidth");

        Assert.True(metrics.RSquared >= 0.85, $"R² {metrics.RSquared}");
        Assert.Equal(NetGenTask.Regression, model.LastTransformer.Task);
        Assert.Equal(0, model.LastTransformer.ClassCount);
    }

    [Fact]
    public void OutputsThatAreNotProbabilitiesAreScoredAsTheyAre()
    {
        var ml = new MLContext(seed: 1);
        var data = MLData.IrisView(ml);
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.MulticlassClassification.Trainers.NetGen<MLIrisSquaredErrorNet>(trainerOptions: MLData.Adam(epochs: 60)))
            .Fit(data);
        var scored = model.Transform(data);
        var network = model.LastTransformer.Model;
        var features = MLData.Vectors(scored, "Features");
        var scores = MLData.Vectors(scored, "Score");
        var keys = scored.GetColumn<uint>("PredictedLabel").ToArray();

        var output = new float[3];
        for (int i = 0; i < features.Length; i++)
        {
            network.Forward(features[i], output);
            Assert.Equal(output, scores[i]);
            Assert.Equal((uint)network.PredictClass(features[i]) + 1, keys[i]);
        }

        Assert.Contains(scores, s => MathF.Abs(s.Sum() - 1) > 1e-3f);
    }

    [Fact]
    public void EqualOptionsAndDataTrainBitwiseEqualNetworks()
    {
        var ml = new MLContext(seed: 1);
        var data = MLData.DigitsView(ml);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.MulticlassClassification.Trainers.NetGen<MLDigitsNet>(trainerOptions: MLData.Adam(epochs: 2, learningRate: 0.005, seed: 7)));

        var first = pipeline.Fit(data).LastTransformer.Model.Parameters.ToArray();
        var second = pipeline.Fit(data).LastTransformer.Model.Parameters.ToArray();

        Assert.Equal(first.Select(BitConverter.SingleToInt32Bits), second.Select(BitConverter.SingleToInt32Bits));
        Assert.Contains(first, p => p != 0);
    }

    [Fact]
    public void ValidationDataDrivesEarlyStopping()
    {
        var ml = new MLContext(seed: 1);
        var split = MLData.IrisSplit(ml);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.NormalizeMeanVariance("Features")).Fit(split.TrainSet);
        var options = new NetGenTrainerOptions
        {
            Trainer = new Training.TrainerOptions
            {
                Optimizer = new Training.AdamOptimizer(), LearningRate = 0.05, Epochs = 500, BatchSize = 16, Seed = 1, EarlyStoppingPatience = 5,
            },
        };
        var trainer = ml.MulticlassClassification.Trainers.NetGen<MLIrisNet>(options);

        var fitted = trainer.Fit(keys.Transform(split.TrainSet), keys.Transform(split.TestSet));

        var result = fitted.TrainingResult!;
        Assert.Equal(Training.StopReason.EarlyStopped, result.StopReason);
        Assert.True(result.EpochsRun < 500);
        Assert.NotNull(result.BestEpoch);
    }

    [Fact]

    [Trait("Category", "Slow")]
    public void TheAddedColumnsAreTypedAndAnnotatedAsSDCATypesAndAnnotatesThem()
    {
        var ml = new MLContext(seed: 1);
        var data = MLData.IrisView(ml);
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.NormalizeMeanVariance("Features")).Fit(data).Transform(data);
        var normalized = ml.Transforms.NormalizeMeanVariance("Features").Append(ml.Transforms.NormalizeMeanVariance("Measurements")).Fit(data).Transform(data);

        AssertSameAddedColumns(keyed,
            ml.MulticlassClassification.Trainers.SdcaMaximumEntropy().Fit(keyed).Transform(keyed),
            ml.MulticlassClassification.Trainers.NetGen<MLIrisNet>(trainerOptions: MLData.Adam(epochs: 1)).Fit(keyed).Transform(keyed));
        AssertSameAddedColumns(normalized,
            ml.BinaryClassification.Trainers.SdcaLogisticRegression("IsSetosa").Fit(normalized).Transform(normalized),
            ml.BinaryClassification.Trainers.NetGen<MLSetosaNet>("IsSetosa", trainerOptions: MLData.Adam(epochs: 1)).Fit(normalized).Transform(normalized));
        AssertSameAddedColumns(normalized,
            ml.Regression.Trainers.Sdca("PetalWidth", "Measurements").Fit(normalized).Transform(normalized),
            ml.Regression.Trainers.NetGen<MLPetalWidthNet>("PetalWidth", "Measurements", MLData.Adam(epochs: 1)).Fit(normalized).Transform(normalized));
    }

    [Fact]
    public void TheEstimatorDescribesItsOutputColumnsBeforeFitting()
    {
        var ml = new MLContext(seed: 1);
        var data = MLData.IrisView(ml);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.MulticlassClassification.Trainers.NetGen<MLIrisNet>());

        var shape = pipeline.GetOutputSchema(ShapeOf(data.Schema));

        var score = shape.Single(c => c.Name == "Score");
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, score.Kind);
        Assert.Equal(NumberDataViewType.Single, score.ItemType);
        var predicted = shape.Single(c => c.Name == "PredictedLabel");
        Assert.True(predicted.IsKey);
        Assert.Contains(shape, c => c.Name == "Species");
    }

    // The columns a scorer added, each as name, type and the names and types of its annotations.
    private static void AssertSameAddedColumns(IDataView input, IDataView mlnet, IDataView netgen)
    {
        Assert.Equal(Describe(input, mlnet), Describe(input, netgen));

        static string[] Describe(IDataView input, IDataView scored) =>
            scored.Schema.Skip(input.Schema.Count)
                .Select(c => $"{c.Name}: {c.Type} [{string.Join(", ", c.Annotations.Schema.Select(a => $"{a.Name}: {a.Type}").Order())}]")
                .ToArray();
    }

    // SchemaShape.Create is internal to ML.NET; its estimators call it to begin GetOutputSchema.
    internal static SchemaShape ShapeOf(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .Invoke(null, [schema])!;
}
