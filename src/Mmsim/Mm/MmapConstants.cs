namespace Mmsim.Mm;

/// <summary>PROT_* bits of mmap()/mprotect() (asm-generic/mman-common.h).</summary>
public static class Prot
{
    public const int None = 0x0;
    public const int Read = 0x1;
    public const int Write = 0x2;
    public const int Exec = 0x4;
    public const int Sem = 0x8;
    public const int GrowsDown = 0x01000000;
    public const int GrowsUp = 0x02000000;
}

/// <summary>MAP_* flags of mmap() (x86-64 values).</summary>
public static class MapFlags
{
    public const int Shared = 0x01;
    public const int Private = 0x02;
    public const int SharedValidate = 0x03;
    public const int Droppable = 0x08;
    public const int Type = 0x0f;
    public const int Fixed = 0x10;
    public const int Anonymous = 0x20;
    public const int Map32Bit = 0x40;
    public const int GrowsDown = 0x0100;
    public const int DenyWrite = 0x0800;
    public const int Executable = 0x1000;
    public const int Locked = 0x2000;
    public const int NoReserve = 0x4000;
    public const int Populate = 0x8000;
    public const int NonBlock = 0x10000;
    public const int Stack = 0x20000;
    public const int HugeTlb = 0x40000;
    public const int Sync = 0x80000;
    public const int FixedNoReplace = 0x100000;
    public const int Uninitialized = 0x4000000;

    /// <summary>LEGACY_MAP_MASK: the flags MAP_SHARED accepts silently.</summary>
    public const int LegacyMask = Shared | Private | Fixed | Anonymous | DenyWrite | Executable | Uninitialized
        | GrowsDown | Locked | NoReserve | Populate | NonBlock | Stack | HugeTlb;
}

/// <summary>MREMAP_* flags.</summary>
public static class MremapFlags
{
    public const int MayMove = 1;
    public const int Fixed = 2;
    public const int DontUnmap = 4;
}
