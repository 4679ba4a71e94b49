/**
 * Word lists the corpus draws realistic values from (all invented or generic; no scraped data).
 * Lists are long enough that a small model learns to copy values from the prompt rather than to
 * memorise them.
 */

export const FIRST_NAMES = [
  'James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'William', 'Elizabeth',
  'David', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen',
  'Daniel', 'Nancy', 'Matthew', 'Lisa', 'Anthony', 'Betty', 'Mark', 'Margaret', 'Paul', 'Sandra',
  'Steven', 'Ashley', 'Andrew', 'Emily', 'Joshua', 'Donna', 'Kevin', 'Michelle', 'Brian', 'Carol',
  'George', 'Amanda', 'Edward', 'Melissa', 'Ronald', 'Deborah', 'Timothy', 'Stephanie', 'Jason', 'Rebecca',
  'Ryan', 'Laura', 'Jacob', 'Sharon', 'Gary', 'Cynthia', 'Nicholas', 'Kathleen', 'Eric', 'Amy',
  'Jonathan', 'Angela', 'Stephen', 'Helen', 'Larry', 'Anna', 'Justin', 'Brenda', 'Scott', 'Pamela',
  'Aisha', 'Mohammed', 'Wei', 'Yuki', 'Hiroshi', 'Priya', 'Arjun', 'Sofia', 'Mateo', 'Lucia',
  'Lars', 'Ingrid', 'Olga', 'Dmitri', 'Fatima', 'Omar', 'Chen', 'Mei', 'Kwame', 'Amara',
  'Giulia', 'Luca', 'Pierre', 'Camille', 'Hans', 'Greta', 'Diego', 'Valentina', 'Noah', 'Emma',
  'Liam', 'Olivia', 'Ethan', 'Ava', 'Lucas', 'Mia', 'Mason', 'Zoe', 'Leo', 'Chloe',
  'Ivan', 'Nadia', 'Tariq', 'Leila', 'Kenji', 'Sakura', 'Ravi', 'Ananya', 'Tomas', 'Elena',
];

export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores',
  'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts',
  'Kim', 'Park', 'Chen', 'Wang', 'Li', 'Zhang', 'Tanaka', 'Sato', 'Suzuki', 'Patel',
  'Singh', 'Kumar', 'Shah', 'Khan', 'Ali', 'Hassan', 'Okafor', 'Mensah', 'Diallo', 'Silva',
  'Santos', 'Oliveira', 'Costa', 'Rossi', 'Russo', 'Ferrari', 'Bianchi', 'Muller', 'Schmidt', 'Schneider',
  'Fischer', 'Weber', 'Dubois', 'Moreau', 'Laurent', 'Bernard', 'Novak', 'Kowalski', 'Ivanov', 'Petrov',
  'Jensen', 'Hansen', 'Larsen', 'Andersson', 'Johansson', 'Virtanen', 'Murphy', 'Kelly', 'Walsh', 'Byrne',
];

export const CITIES: readonly (readonly [string, string, string])[] = [
  // [city, country, ISO country code]
  ['New York', 'United States', 'US'], ['Chicago', 'United States', 'US'], ['Austin', 'United States', 'US'],
  ['Seattle', 'United States', 'US'], ['Denver', 'United States', 'US'], ['Boston', 'United States', 'US'],
  ['Toronto', 'Canada', 'CA'], ['Vancouver', 'Canada', 'CA'], ['Montreal', 'Canada', 'CA'],
  ['Mexico City', 'Mexico', 'MX'], ['London', 'United Kingdom', 'GB'], ['Manchester', 'United Kingdom', 'GB'],
  ['Edinburgh', 'United Kingdom', 'GB'], ['Dublin', 'Ireland', 'IE'], ['Paris', 'France', 'FR'],
  ['Lyon', 'France', 'FR'], ['Berlin', 'Germany', 'DE'], ['Munich', 'Germany', 'DE'], ['Hamburg', 'Germany', 'DE'],
  ['Madrid', 'Spain', 'ES'], ['Barcelona', 'Spain', 'ES'], ['Lisbon', 'Portugal', 'PT'], ['Rome', 'Italy', 'IT'],
  ['Milan', 'Italy', 'IT'], ['Amsterdam', 'Netherlands', 'NL'], ['Brussels', 'Belgium', 'BE'],
  ['Vienna', 'Austria', 'AT'], ['Zurich', 'Switzerland', 'CH'], ['Stockholm', 'Sweden', 'SE'],
  ['Oslo', 'Norway', 'NO'], ['Copenhagen', 'Denmark', 'DK'], ['Helsinki', 'Finland', 'FI'],
  ['Warsaw', 'Poland', 'PL'], ['Prague', 'Czech Republic', 'CZ'], ['Budapest', 'Hungary', 'HU'],
  ['Athens', 'Greece', 'GR'], ['Istanbul', 'Turkey', 'TR'], ['Cairo', 'Egypt', 'EG'], ['Lagos', 'Nigeria', 'NG'],
  ['Nairobi', 'Kenya', 'KE'], ['Accra', 'Ghana', 'GH'], ['Cape Town', 'South Africa', 'ZA'],
  ['Mumbai', 'India', 'IN'], ['Bangalore', 'India', 'IN'], ['Delhi', 'India', 'IN'], ['Tokyo', 'Japan', 'JP'],
  ['Osaka', 'Japan', 'JP'], ['Seoul', 'South Korea', 'KR'], ['Beijing', 'China', 'CN'], ['Shanghai', 'China', 'CN'],
  ['Singapore', 'Singapore', 'SG'], ['Bangkok', 'Thailand', 'TH'], ['Jakarta', 'Indonesia', 'ID'],
  ['Manila', 'Philippines', 'PH'], ['Sydney', 'Australia', 'AU'], ['Melbourne', 'Australia', 'AU'],
  ['Auckland', 'New Zealand', 'NZ'], ['Sao Paulo', 'Brazil', 'BR'], ['Buenos Aires', 'Argentina', 'AR'],
  ['Santiago', 'Chile', 'CL'], ['Lima', 'Peru', 'PE'], ['Bogota', 'Colombia', 'CO'], ['Dubai', 'United Arab Emirates', 'AE'],
];

export const STREET_NAMES = [
  'Main', 'Oak', 'Maple', 'Cedar', 'Pine', 'Elm', 'Washington', 'Lake', 'Hill', 'Park', 'River', 'Church',
  'High', 'Station', 'Mill', 'Bridge', 'King', 'Queen', 'Market', 'Garden', 'Sunset', 'Forest', 'Spring',
  'Meadow', 'Harbor', 'Victoria', 'Willow', 'Chestnut', 'Highland', 'Broad', 'Union', 'Center',
];

export const STREET_TYPES = ['Street', 'Avenue', 'Road', 'Lane', 'Drive', 'Boulevard', 'Way', 'Court', 'Place'];

export const COMPANY_WORDS = [
  'Acme', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Vertex', 'Nimbus', 'Apex', 'Summit', 'Pioneer',
  'Bluewave', 'Redstone', 'Greenfield', 'Silverline', 'Northwind', 'Brightpath', 'Ironclad', 'Quantum',
  'Horizon', 'Evergreen', 'Sterling', 'Orbit', 'Cobalt', 'Falcon', 'Atlas', 'Zenith', 'Polaris', 'Harbor',
];

export const COMPANY_SUFFIXES = ['Inc', 'Ltd', 'LLC', 'Group', 'Labs', 'Systems', 'Corp', 'Partners', 'Holdings', 'Co'];

export const DOMAINS = ['example.com', 'mail.com', 'inbox.org', 'company.io', 'webmail.net', 'post.co', 'corp.dev'];

export const COLORS = ['red', 'blue', 'green', 'black', 'white', 'yellow', 'purple', 'orange', 'gray', 'pink', 'brown', 'silver'];

export const ADJECTIVES = [
  'quick', 'quiet', 'bright', 'small', 'large', 'old', 'new', 'modern', 'classic', 'simple', 'smart', 'light',
  'heavy', 'warm', 'cold', 'fresh', 'rare', 'fast', 'slow', 'clean', 'strong', 'soft', 'sharp', 'gentle',
  'happy', 'calm', 'busy', 'early', 'late', 'green', 'golden', 'wild', 'silent', 'hidden', 'open', 'local',
];

export const NOUNS = [
  'river', 'garden', 'window', 'market', 'forest', 'mountain', 'city', 'village', 'library', 'kitchen',
  'bridge', 'station', 'harbor', 'school', 'office', 'island', 'valley', 'road', 'castle', 'museum',
  'teacher', 'doctor', 'farmer', 'pilot', 'painter', 'baker', 'student', 'engineer', 'writer', 'nurse',
  'dog', 'cat', 'horse', 'bird', 'fox', 'owl', 'rabbit', 'letter', 'book', 'song', 'map', 'clock', 'lamp',
];

export const PRODUCT_NOUNS = [
  'Laptop', 'Headphones', 'Keyboard', 'Monitor', 'Chair', 'Desk', 'Backpack', 'Camera', 'Phone', 'Watch',
  'Speaker', 'Mouse', 'Tablet', 'Charger', 'Lamp', 'Bottle', 'Jacket', 'Sneakers', 'Blender', 'Kettle',
  'Router', 'Printer', 'Notebook', 'Pen', 'Mug', 'Umbrella', 'Wallet', 'Sunglasses', 'Tent', 'Bicycle',
];

export const PRODUCT_CATEGORIES = ['electronics', 'furniture', 'clothing', 'kitchen', 'office', 'sports', 'outdoor', 'books', 'toys', 'beauty', 'garden', 'grocery'];

export const JOB_TITLES = [
  'Software Engineer', 'Data Scientist', 'Product Manager', 'Designer', 'Accountant', 'Sales Manager',
  'Teacher', 'Nurse', 'Mechanic', 'Chef', 'Architect', 'Lawyer', 'Pharmacist', 'Analyst', 'Consultant',
  'Marketing Lead', 'Support Agent', 'Researcher', 'Editor', 'Photographer', 'Electrician', 'Pilot',
];

export const DEPARTMENTS = ['Engineering', 'Sales', 'Marketing', 'Finance', 'Support', 'Legal', 'Research', 'Operations', 'Human Resources', 'Design'];

export const BOOK_WORDS = [
  'Shadow', 'Light', 'River', 'Stone', 'Winter', 'Summer', 'Garden', 'Silence', 'Memory', 'Journey', 'Storm',
  'Ocean', 'Star', 'Fire', 'Glass', 'Iron', 'Crown', 'Empire', 'Secret', 'Promise', 'Dream', 'Road', 'City',
];

export const GENRES = ['fiction', 'mystery', 'science fiction', 'fantasy', 'romance', 'history', 'biography', 'poetry', 'thriller', 'horror', 'comedy', 'drama', 'documentary'];

export const LANGUAGES = ['English', 'Spanish', 'French', 'German', 'Italian', 'Portuguese', 'Japanese', 'Chinese', 'Korean', 'Hindi', 'Arabic', 'Russian', 'Dutch', 'Swedish'];

export const CURRENCIES = ['USD', 'EUR', 'GBP', 'JPY', 'CAD', 'AUD', 'CHF', 'CNY', 'INR', 'BRL'];

export const WEATHER = ['sunny', 'cloudy', 'rainy', 'snowy', 'windy', 'foggy', 'stormy', 'clear'];

export const FOODS = ['pasta', 'rice', 'soup', 'salad', 'bread', 'curry', 'pizza', 'noodles', 'tacos', 'stew', 'pancakes', 'omelette', 'cake', 'pie'];

export const INGREDIENTS = ['flour', 'sugar', 'salt', 'butter', 'eggs', 'milk', 'garlic', 'onion', 'tomato', 'cheese', 'rice', 'olive oil', 'pepper', 'basil', 'lemon', 'chicken', 'beans', 'carrots'];

export const SKILLS = ['python', 'typescript', 'sql', 'java', 'rust', 'go', 'design', 'writing', 'statistics', 'marketing', 'leadership', 'excel', 'testing', 'cloud', 'security'];

export const TAGS = ['new', 'sale', 'popular', 'limited', 'featured', 'eco', 'premium', 'gift', 'urgent', 'draft', 'archived', 'internal', 'public', 'beta', 'verified'];

export const STATUSES = ['active', 'inactive', 'pending', 'suspended', 'archived', 'draft', 'published', 'shipped', 'delivered', 'cancelled', 'open', 'closed', 'approved', 'rejected'];

export const PRIORITIES = ['low', 'medium', 'high', 'critical'];

export const SIZES = ['XS', 'S', 'M', 'L', 'XL'];

export const UNITS = ['kg', 'g', 'lb', 'cm', 'm', 'km', 'ml', 'l'];

export const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export const VERBS_PAST = [
  'walked', 'opened', 'found', 'carried', 'painted', 'watched', 'visited', 'cleaned', 'built', 'wrote', 'read',
  'planted', 'fixed', 'cooked', 'closed', 'followed', 'answered', 'studied', 'crossed', 'climbed', 'packed',
];

export const PLACES = [
  'the park', 'the old bridge', 'the market', 'the library', 'the harbor', 'the station', 'the hill',
  'the museum', 'the school', 'the village square', 'the garden', 'the river bank', 'the office', 'the kitchen',
];
