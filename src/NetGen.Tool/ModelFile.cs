using System.IO;
using NetGen.IO;

namespace NetGen.Tool;

/// <summary>
/// A model file: a safetensors weights file whose metadata records the architecture (<see cref="WeightsFile.SpecMetadataKey"/>)
/// and, when the network was trained on scaled features, the scaler (<see cref="WeightsFile.ScalerMetadataKey"/>), as
/// <c>netgen train</c> and <see cref="WeightsFile.Save{T}(INetwork{T}, string, NetGen.Data.IFeatureScaler{T})"/> write it.
/// </summary>
internal static class ModelFile
{
    /// <summary>The interpreted network the file describes, with its weights and scaler loaded.</summary>
    /// <param name="path">The weights file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="WeightsFileException">The file is malformed, or has no architecture metadata.</exception>
    public static Predictor<float> Load(string path)
    {
        if (Directory.Exists(path))
        {
            throw new FileNotFoundException($"{path} is a folder, not a model file.", path);
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such model file.", path);
        }

        NetworkSpec spec;
        using (var reader = SafeTensorsReader.Open(path))
        {
            if (!reader.Metadata.TryGetValue(WeightsFile.SpecMetadataKey, out string? architecture))
            {
                throw new WeightsFileException(
                    $"it has no '{WeightsFile.SpecMetadataKey}' metadata, so the network's architecture is unknown; files written by 'netgen train' or WeightsFile.Save have it (a PyTorch state_dict does not)",
                    path);
            }

            spec = ArchitectureText.Parse(architecture, path);
        }

        return Predictor<float>.Load(new InterpretedNetwork<float>(spec), path);
    }

    /// <summary>Whether the network's outputs are class decisions: a softmax layer, or one sigmoid or step output.</summary>
    public static bool IsClassifier(NetworkSpec spec) =>
        spec.Layers[^1].Activation == Activation.Softmax
        || (spec.OutputSize == 1 && spec.Layers[^1].Activation is Activation.Sigmoid or Activation.Step);
}
