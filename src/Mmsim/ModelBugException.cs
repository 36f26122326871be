namespace Mmsim;

/// <summary>
/// Thrown when the model finds one of its own invariants broken (the kernel's BUG()/panic()).
/// Never thrown for bad input: the syscall surface returns -errno for that.
/// </summary>
public sealed class ModelBugException : Exception
{
    /// <summary>Creates the exception; the message names the function and the invariant.</summary>
    public ModelBugException(string message)
        : base(message)
    {
    }
}
