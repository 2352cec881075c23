#pragma once
#include <spglib.h>
