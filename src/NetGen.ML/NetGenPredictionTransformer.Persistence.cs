using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using NetGen.ML;

// ML.NET's model loader finds this transformer's loader by the signature and assembly its model header records, as it
// finds its own transformers' (see MLNetInternals.targets).
[assembly: LoadableClass(typeof(NetGenPredictionTransformer), null, typeof(SignatureLoadModel), "NetGen Prediction Transformer", NetGenPredictionTransformer.LoaderSignature)]

namespace NetGen.ML;

// The model-file side of the transformer: ML.NET's ICanSaveModel contract and the matching loader.
public sealed partial class NetGenPredictionTransformer
{
    /// <summary>The name ML.NET's model header records for this transformer's loader (at most 24 characters).</summary>
    internal const string LoaderSignature = "NetGenNetworkTransformer";

    // Format of the model entry, after ML.NET's header (version 0x00010001):
    //   int32   task (NetGenTask)
    //   string  feature column name
    //   string  assembly-qualified name of the generated network type; empty for the interpreted engine
    //   string  NetworkSpec.ToString() of the architecture that follows, to check it is read back as written
    //   int32   input size; float64 input keep probability; int32 loss (−1: forward-only); int32 precision
    //   int32   layer count, then per layer: int32 size, int32 activation, float64 leaky slope, float64 ELU α, float64 keep probability
    //   int32   parameter count, then that many float32 parameters
    //   bool    whether the label's key values follow; if so a type code and one value per class (LabelKeyValues)
    private const uint FormatVersion = 0x00010001;

    // Parameters are read in chunks, so a damaged count allocates no more than the entry actually holds.
    private const int ParameterChunk = 1 << 16;

    private static VersionInfo GetVersionInfo() => new(
        modelSignature: "NETGENXF",
        verWrittenCur: FormatVersion,
        verReadableCur: FormatVersion,
        verWeCanReadBack: FormatVersion,
        loaderAssemblyName: typeof(NetGenPredictionTransformer).Assembly.FullName,
        loaderSignature: LoaderSignature);

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ctx.CheckAtModel();
        ctx.SetVersionInfo(GetVersionInfo());
        var writer = ctx.Writer;
        var spec = Spec;
        writer.Write((int)Task);
        writer.Write(FeatureColumnName);
        writer.Write(Model is InterpretedNetwork<float> ? string.Empty : Model.GetType().AssemblyQualifiedName!);
        writer.Write(spec.ToString());
        writer.Write(spec.InputSize);
        writer.Write(spec.InputKeepProbability);
        writer.Write(spec.Loss is { } loss ? (int)loss : -1);
        writer.Write((int)spec.Precision);
        writer.Write(spec.Layers.Count);
        foreach (var layer in spec.Layers)
        {
            writer.Write(layer.Size);
            writer.Write((int)layer.Activation);
            writer.Write(layer.LeakySlope);
            writer.Write(layer.Alpha);
            writer.Write(layer.KeepProbability);
        }

        ReadOnlySpan<float> parameters = Model.Parameters;
        writer.Write(parameters.Length);
        foreach (float parameter in parameters)
        {
            writer.Write(parameter);
        }

        writer.Write(_plan.LabelKeyValues is not null);
        _plan.LabelKeyValues?.Write(writer);
    }

    // ML.NET's loader (SignatureLoadModel), found through the LoadableClass attribute above.
    private static NetGenPredictionTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(ctx);
        ctx.CheckAtModel(GetVersionInfo());
        try
        {
            return Read(ctx.Reader);
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException or IOException or System.Text.DecoderFallbackException)
        {
            throw new FormatException($"The NetGen model entry is damaged: {e.Message}", e);
        }
    }

    private static NetGenPredictionTransformer Read(BinaryReader reader)
    {
        var task = (NetGenTask)reader.ReadInt32();
        if (!Enum.IsDefined(task))
        {
            throw new FormatException($"The NetGen model names an unknown task ({(int)task}).");
        }

        string featureColumn = ModelStrings.Read(reader, "feature column name");
        string networkType = ModelStrings.Read(reader, "network type name");
        var spec = ReadSpec(reader);
        int parameterCount = reader.ReadInt32();
        if (parameterCount != spec.ParameterCount)
        {
            throw new FormatException($"The NetGen model holds {parameterCount} parameters for the network {spec}, which has {spec.ParameterCount}.");
        }

        var parameters = ReadParameters(reader, parameterCount);
        try
        {
            ScoringPlan.CheckNetwork(task, spec, "network");
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"The NetGen model's network does not fit its task {task}: {e.Message}", e);
        }

        int classCount = task == NetGenTask.Regression ? 0 : ClassifierOutput.ClassCount(spec);
        var keyValues = reader.ReadBoolean() ? LabelKeyValues.Read(reader, classCount) : null;
        var network = networkType.Length == 0 ? new InterpretedNetwork<float>(spec) : CreateGenerated(networkType, spec);
        parameters.CopyTo(network.Parameters);
        return new NetGenPredictionTransformer(new ScoringPlan(task, spec, featureColumn, keyValues), network, trainingResult: null);
    }

    private static NetworkSpec ReadSpec(BinaryReader reader)
    {
        string description = ModelStrings.Read(reader, "network description");
        int inputSize = reader.ReadInt32();
        double inputKeep = reader.ReadDouble();
        int loss = reader.ReadInt32();
        var precision = (Precision)reader.ReadInt32();
        int layerCount = reader.ReadInt32();
        if (layerCount is < 1 or > NetworkLimits.MaxDenseLayers || !Enum.IsDefined(precision) || (loss != -1 && !Enum.IsDefined((Loss)loss)))
        {
            throw new FormatException($"The NetGen model lists {layerCount} layers, precision {(int)precision} and loss {loss}, which is no network.");
        }

        var layers = new List<DenseLayerSpec>(layerCount);
        for (int i = 0; i < layerCount; i++)
        {
            layers.Add(new DenseLayerSpec(reader.ReadInt32(), (Activation)reader.ReadInt32())
            {
                LeakySlope = reader.ReadDouble(),
                Alpha = reader.ReadDouble(),
                KeepProbability = reader.ReadDouble(),
            });
        }

        // The constructor checks every rule a declaration must meet (ArgumentException, reported as damage).
        var spec = new NetworkSpec(inputSize, layers, loss == -1 ? null : (Loss)loss, precision, inputKeep);
        if (spec.ToString() != description)
        {
            throw new FormatException(
                $"The NetGen model describes its network as '{description}' but lists '{spec}': it was written by a NetGen.ML that knows more about networks than this one.");
        }

        return spec;
    }

    private static float[] ReadParameters(BinaryReader reader, int count)
    {
        var parameters = new float[Math.Min(count, ParameterChunk)];
        for (int i = 0; i < count; i++)
        {
            if (i == parameters.Length)
            {
                Array.Resize(ref parameters, (int)Math.Min(count, 2L * parameters.Length));
            }

            float value = reader.ReadSingle();
            if (!float.IsFinite(value))
            {
                throw new FormatException($"The NetGen model's parameter {i} is {value}; parameters are finite.");
            }

            parameters[i] = value;
        }

        return parameters;
    }

    // The generated network type the model was saved from: by its full name first, then ignoring the assembly version,
    // so an app rebuilt with another version number still loads its models. Its architecture must not have changed.
    private static INetwork<float> CreateGenerated(string typeName, NetworkSpec spec)
    {
        var type = Type.GetType(typeName, throwOnError: false);
        int comma = typeName.IndexOf(", ", StringComparison.Ordinal);
        if (type is null && comma > 0)
        {
            string assembly = new AssemblyName(typeName[(comma + 2)..]).Name!;
            type = Type.GetType(typeName[..comma] + ", " + assembly, throwOnError: false);
        }

        if (type is null)
        {
            throw new FormatException(
                $"The NetGen model scores with the generated network type '{typeName}', which this process cannot load: reference the assembly that declares it.");
        }

        if (!typeof(INetwork<float>).IsAssignableFrom(type) || type.GetConstructor(Type.EmptyTypes) is null)
        {
            throw new FormatException($"The NetGen model names the type '{typeName}', which is not a single-precision NetGen network with a parameterless constructor.");
        }

        var network = (INetwork<float>)Activator.CreateInstance(type)!;
        if (!network.Spec.Equals(spec))
        {
            throw new FormatException(
                $"The NetGen model was saved from {type.FullName} as '{spec}', but that type is now '{network.Spec}'; retrain and save the model again.");
        }

        return network;
    }
}
