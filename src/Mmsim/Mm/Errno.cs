namespace Mmsim.Mm;

/// <summary>The Linux errno values the memory syscalls return, negated at the syscall surface.</summary>
public static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EFAULT = 14;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ENFILE = 23;
    public const int EMFILE = 24;
    public const int ETXTBSY = 26;
    public const int EFBIG = 27;
    public const int EIDRM = 43;
    public const int EOVERFLOW = 75;
    public const int EOPNOTSUPP = 95;

    /// <summary>True when a syscall result encodes an error (-4095..-1), as IS_ERR_VALUE().</summary>
    public static bool IsError(long result) => result < 0 && result >= -4095;
}
