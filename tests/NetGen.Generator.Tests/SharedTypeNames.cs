// The generator's names for the enums it compiles from the runtime's files (generator/NetGen.Generator/Model/SharedTypeNames.cs),
// for tests that build its models directly. Global usings do not cross assemblies, so they are repeated here.
global using ActivationKind = NetGen.Generator.Shared.Activation;
global using LossKind = NetGen.Generator.Shared.Loss;
global using PrecisionKind = NetGen.Generator.Shared.Precision;
