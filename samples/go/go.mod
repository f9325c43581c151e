module gort/samples

go 1.19
