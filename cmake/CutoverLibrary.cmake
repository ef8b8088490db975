# cutover_library(NAME DEPS...): one library per top-level folder (sdk, comparator, pg, report).
# Sources are <name>/src/**/*.cc; <name>/include/ is the installed, public API, and
# <name>/src/ holds the internal headers, visible to the library itself and to its tests only.
function(cutover_library name)
  cmake_parse_arguments(ARG "" "" "PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cc)
  add_library(cutover_${name} ${sources})
  add_library(cutover::${name} ALIAS cutover_${name})
  set_target_properties(cutover_${name} PROPERTIES EXPORT_NAME ${name} OUTPUT_NAME cutover_${name})
  target_include_directories(cutover_${name}
    PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
           $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(cutover_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  install(TARGETS cutover_${name} EXPORT cutoverTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY include/cutover DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  # Tests may exercise internal headers; they find them through this property.
  set_property(GLOBAL APPEND PROPERTY CUTOVER_INTERNAL_INCLUDE_DIRS ${CMAKE_CURRENT_SOURCE_DIR}/src)
endfunction()
