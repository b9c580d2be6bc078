Console.WriteLine("ChitBox AppHost");
