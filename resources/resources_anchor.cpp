// The Qt resource library needs one source of its own; the resources themselves are added by
// qt_add_resources() in resources/CMakeLists.txt.
namespace studio::resources {
int anchor() { return 0; }
}  // namespace studio::resources
