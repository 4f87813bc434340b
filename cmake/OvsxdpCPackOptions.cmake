# Read by cpack at packaging time (CPACK_PROJECT_CONFIG_FILE). Each Debian
# package's description starts with a synopsis of its own
# (CPACK_DEBIAN_<COMPONENT>_DESCRIPTION); CPackDeb would put the project-wide
# summary in front of it unless the summary is CPack's default.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${CPACK_DEFAULT_PACKAGE_DESCRIPTION_SUMMARY}")
