using System;

namespace NetGen.Tool;

/// <summary>The command line is wrong: an unknown option, a value out of range, a column that does not exist. Exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The input cannot be used as asked: a file whose content does not fit the command. Exit code 1.</summary>
internal sealed class InputException(string message) : Exception(message);
