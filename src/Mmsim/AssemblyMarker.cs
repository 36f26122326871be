namespace Mmsim;

/// <summary>Marker type of the Mmsim assembly.</summary>
internal static class AssemblyMarker
{
}
