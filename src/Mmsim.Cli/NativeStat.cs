using System.Runtime.InteropServices;

namespace Mmsim.Cli;

/// <summary>stat() and realpath() of the host through libc (the identity maps shows: device and inode).</summary>
internal static partial class NativeStat
{
    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr RealPathNative(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(IntPtr p);

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatNative(string path, Span<byte> buf);

    /// <summary>The canonical path with symlinks resolved, or null.</summary>
    public static string? RealPath(string path)
    {
        IntPtr p = RealPathNative(path, IntPtr.Zero);
        if (p == IntPtr.Zero)
        {
            return null;
        }
        string? s = Marshal.PtrToStringUTF8(p);
        Free(p);
        return s;
    }

    /// <summary>Whether path (symlinks followed) is a regular file: the only kind whose contents are read whole.</summary>
    public static bool IsRegularFile(string path)
    {
        Span<byte> buf = stackalloc byte[256];
        return StatNative(path, buf) == 0 && (BitConverter.ToUInt32(buf[24..]) & 0xf000) == 0x8000;
    }

    /// <summary>Device (major, minor), inode and whether it is a character device, from x86-64 struct stat.</summary>
    public static (uint Major, uint Minor, ulong Ino, bool CharDevice) Stat(string path)
    {
        Span<byte> buf = stackalloc byte[256];
        if (StatNative(path, buf) != 0)
        {
            return (0, 0, 0, false);
        }
        ulong dev = BitConverter.ToUInt64(buf);
        ulong ino = BitConverter.ToUInt64(buf[8..]);
        uint mode = BitConverter.ToUInt32(buf[24..]);
        uint major = (uint)(((dev >> 32) & 0xfffff000) | ((dev >> 8) & 0xfff));
        uint minor = (uint)(((dev >> 12) & 0xffffff00) | (dev & 0xff));
        return (major, minor, ino, (mode & 0xf000) == 0x2000);
    }
}
