#include "realistic_names.h"

namespace cutover::examples {
namespace {

constexpr char kFirstNames[] =
    "ARRAY['Ada','Grace','Alan','Linus','Margaret','José "
    "María','Zoë','Søren','Aiko','山田',"
    "'Olu','Priya','Chen','Fatima','Mateo','Ingrid','Kwame','Léa','Dmitri','"
    "Ana']";
constexpr char kLastNames[] =
    "ARRAY['Lovelace','Hopper','Turing','Torvalds','Hamilton','García','"
    "Ødegård','Kierkegaard',"
    "'Tanaka','太郎','Adebayo','Sharma','Wei','Al-Sayed','Fernández "
    "López','Berg','Mensah',"
    "'Dubois','Ivanov','de la Cruz']";

}  // namespace

std::string FirstNameSql(const std::string& g) {
  return std::string("(") + kFirstNames + ")[1 + (" + g + " * 7) % 20]";
}

std::string LastNameSql(const std::string& g) {
  return std::string("(") + kLastNames + ")[1 + (" + g + " * 13) % 20]";
}

}  // namespace cutover::examples
