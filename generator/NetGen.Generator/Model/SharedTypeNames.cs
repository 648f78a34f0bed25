// The generator's names for the runtime's enums, which it compiles from the runtime's own files (linked in the .csproj):
// attribute arguments arrive as their underlying integers and are read as these types.
global using ActivationKind = NetGen.Generator.Shared.Activation;
global using LossKind = NetGen.Generator.Shared.Loss;
global using PrecisionKind = NetGen.Generator.Shared.Precision;
