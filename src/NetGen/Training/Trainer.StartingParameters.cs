using System;
using System.Numerics.Tensors;

namespace NetGen.Training;

public sealed partial class Trainer<T>
{
    // The start of every Fit (TrainerOptions.Initialization and KeepCurrentParameters): draw, or keep what is there
    // unless it cannot learn.
    private void PrepareStartingParameters()
    {
        Span<T> parameters = _network.Parameters;
        if (Options.Initialization is { } scheme)
        {
            _network.InitializeParameters(Options.Seed, scheme);
        }
        else if (_spec.Layers.Count > 1 && ParameterInitializer.AreAllWeightsZero<T>(_spec, parameters))
        {
            // Zeros are a fine start for a single layer (a linear or logistic model, convex in its weights), so only a
            // network with a hidden layer, where they cannot learn, is drawn for (or refused).
            if (!Options.KeepCurrentParameters)
            {
                _network.InitializeParameters(Options.Seed, WeightInitialization.ByActivation);
            }
            else
            {
                throw new InvalidOperationException(
                    $"Every weight of the network {_spec} is zero and KeepCurrentParameters keeps them, but with a hidden layer "
                    + "all units of a layer would stay identical and the network could not learn. Leave KeepCurrentParameters "
                    + "false (the trainer then draws WeightInitialization.ByActivation), set TrainerOptions.Initialization, or load trained weights.");
            }
        }

        if (!TensorPrimitives.IsFiniteAll<T>(_network.Parameters))
        {
            throw new InvalidOperationException("The network's parameters contain NaN or infinite values before training; initialise them (TrainerOptions.Initialization) or load finite ones.");
        }
    }
}
