namespace Mmsim.Strace;

/// <summary>
/// Linux x86-64 errno names and numbers, both directions: the uapi values (asm-generic/errno-base.h and
/// errno.h, 1..133) and the kernel-internal codes strace can print (ERESTARTSYS 512 .. ENOGRACE 531).
/// Aliases (EWOULDBLOCK, EDEADLOCK, ENOTSUP) map to numbers; <see cref="NameOf"/> gives the name strace prints.
/// </summary>
public static class Errno
{
    private static readonly string[] s_uapi =
    [
        "", "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF", "ECHILD", "EAGAIN",
        "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV", "ENODEV", "ENOTDIR", "EISDIR", "EINVAL",
        "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC", "ESPIPE", "EROFS", "EMLINK", "EPIPE", "EDOM",
        "ERANGE", "EDEADLK", "ENAMETOOLONG", "ENOLCK", "ENOSYS", "ENOTEMPTY", "ELOOP", "", "ENOMSG", "EIDRM", "ECHRNG",
        "EL2NSYNC", "EL3HLT", "EL3RST", "ELNRNG", "EUNATCH", "ENOCSI", "EL2HLT", "EBADE", "EBADR", "EXFULL", "ENOANO",
        "EBADRQC", "EBADSLT", "", "EBFONT", "ENOSTR", "ENODATA", "ETIME", "ENOSR", "ENONET", "ENOPKG", "EREMOTE",
        "ENOLINK", "EADV", "ESRMNT", "ECOMM", "EPROTO", "EMULTIHOP", "EDOTDOT", "EBADMSG", "EOVERFLOW", "ENOTUNIQ",
        "EBADFD", "EREMCHG", "ELIBACC", "ELIBBAD", "ELIBSCN", "ELIBMAX", "ELIBEXEC", "EILSEQ", "ERESTART", "ESTRPIPE",
        "EUSERS", "ENOTSOCK", "EDESTADDRREQ", "EMSGSIZE", "EPROTOTYPE", "ENOPROTOOPT", "EPROTONOSUPPORT",
        "ESOCKTNOSUPPORT", "EOPNOTSUPP", "EPFNOSUPPORT", "EAFNOSUPPORT", "EADDRINUSE", "EADDRNOTAVAIL", "ENETDOWN",
        "ENETUNREACH", "ENETRESET", "ECONNABORTED", "ECONNRESET", "ENOBUFS", "EISCONN", "ENOTCONN", "ESHUTDOWN",
        "ETOOMANYREFS", "ETIMEDOUT", "ECONNREFUSED", "EHOSTDOWN", "EHOSTUNREACH", "EALREADY", "EINPROGRESS", "ESTALE",
        "EUCLEAN", "ENOTNAM", "ENAVAIL", "EISNAM", "EREMOTEIO", "EDQUOT", "ENOMEDIUM", "EMEDIUMTYPE", "ECANCELED",
        "ENOKEY", "EKEYEXPIRED", "EKEYREVOKED", "EKEYREJECTED", "EOWNERDEAD", "ENOTRECOVERABLE", "ERFKILL",
        "EHWPOISON",
    ];

    /// <summary>Kernel-internal codes from include/linux/errno.h, starting at 512.</summary>
    private static readonly string[] s_internal =
    [
        "ERESTARTSYS", "ERESTARTNOINTR", "ERESTARTNOHAND", "ENOIOCTLCMD", "ERESTART_RESTARTBLOCK", "EPROBE_DEFER",
        "EOPENSTALE", "ENOPARAM", "", "EBADHANDLE", "ENOTSYNC", "EBADCOOKIE", "ENOTSUPP", "ETOOSMALL", "ESERVERFAULT",
        "EBADTYPE", "EJUKEBOX", "EIOCBQUEUED", "ERECALLCONFLICT", "ENOGRACE",
    ];

    private const int InternalBase = 512;

    private static readonly Dictionary<string, int> s_numbers = BuildNumbers();
    private static readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> s_lookup =
        s_numbers.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Largest errno a syscall can return (results in [-4095, -1] are errors).</summary>
    public const int MaxErrno = 4095;

    /// <summary>The number of an errno name (<c>ENOMEM</c> gives 12); false for an unknown name.</summary>
    public static bool TryGetNumber(ReadOnlySpan<char> name, out int number)
    {
        return s_lookup.TryGetValue(name, out number);
    }

    /// <summary>
    /// The name strace prints for an errno number (12 gives <c>ENOMEM</c>); a negative number is taken as -errno.
    /// Null for numbers with no name.
    /// </summary>
    public static string? NameOf(int number)
    {
        if (number < 0 && number != int.MinValue)
        {
            number = -number;
        }
        if (number > 0 && number < s_uapi.Length && s_uapi[number].Length > 0)
        {
            return s_uapi[number];
        }
        int k = number - InternalBase;
        if (k >= 0 && k < s_internal.Length && s_internal[k].Length > 0)
        {
            return s_internal[k];
        }
        return null;
    }

    /// <summary>Looks a name up and returns the table's own string instance for it (for interning).</summary>
    internal static bool TryGetCanonical(ReadOnlySpan<char> name, out string canonical, out int number)
    {
        return s_lookup.TryGetValue(name, out canonical!, out number);
    }

    /// <summary>Builds the name-to-number map from both tables plus the aliases.</summary>
    private static Dictionary<string, int> BuildNumbers()
    {
        var map = new Dictionary<string, int>(180, StringComparer.Ordinal);
        for (int i = 1; i < s_uapi.Length; i++)
        {
            if (s_uapi[i].Length > 0)
            {
                map[s_uapi[i]] = i;
            }
        }
        for (int i = 0; i < s_internal.Length; i++)
        {
            if (s_internal[i].Length > 0)
            {
                map[s_internal[i]] = InternalBase + i;
            }
        }
        map["EWOULDBLOCK"] = 11;
        map["EDEADLOCK"] = 35;
        map["ENOTSUP"] = 95;
        return map;
    }
}
